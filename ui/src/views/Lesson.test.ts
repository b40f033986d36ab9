import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, within } from "@testing-library/svelte";
import Lesson from "./Lesson.svelte";
import { clone, fixtures, mockBackend } from "../test/backend";

describe("Lesson reader", () => {
  it("renders the sanitized html, objectives and labs", async () => {
    const calls = mockBackend();
    render(Lesson, { id: "network-policies" });
    expect(await screen.findByTestId("lesson-title")).toHaveTextContent(fixtures.lessonShow.title);
    expect(calls[0]).toEqual({ cmd: "get_lesson", args: { id: "network-policies" } });

    const body = screen.getByTestId("lesson-body");
    expect(body.tagName).toBe("ARTICLE");
    expect(body.querySelector("pre code.language-yaml")).not.toBeNull();
    expect(body.querySelector("p")).toHaveTextContent(/A fresh Kubernetes cluster is a flat network/);

    expect(within(screen.getByTestId("objectives")).getAllByRole("listitem")).toHaveLength(
      fixtures.lessonShow.objectives.length,
    );
    const labs = screen.getByTestId("lesson-labs");
    expect(within(labs).getByTestId("lab-link-netpol-default-deny")).toHaveAttribute("href", "#/lab/netpol-default-deny");
    // cilium-l7-policy does not exist yet: no link.
    expect(within(labs).queryByTestId("lab-link-cilium-l7-policy")).toBeNull();
    expect(labs).toHaveTextContent("coming soon");
  });

  it("navigates in the app when a ckslab:// link is clicked", async () => {
    mockBackend();
    render(Lesson, { id: "network-policies" });
    const body = await screen.findByTestId("lesson-body");
    const link = body.querySelector<HTMLAnchorElement>('a[href="ckslab://lab/netpol-and-or-selectors"]');
    expect(link).not.toBeNull();
    const notPrevented = await fireEvent.click(link!);
    expect(notPrevented).toBe(false);
    expect(window.location.hash).toBe("#/lab/netpol-and-or-selectors");

    const lessonLink = body.querySelector<HTMLAnchorElement>('a[href^="ckslab://lesson/"]');
    await fireEvent.click(lessonLink!);
    expect(window.location.hash).toBe("#/lesson/node-metadata-endpoints");
  });

  it("opens external links in a new window without an opener", async () => {
    const lesson = clone(fixtures.lessonShow);
    lesson.html += '<p><a href="https://kubernetes.io/docs/">docs</a></p>';
    mockBackend({ get_lesson: () => lesson });
    render(Lesson, { id: "network-policies" });
    const body = await screen.findByTestId("lesson-body");
    const a = within(body).getByText("docs");
    expect(a).toHaveAttribute("target", "_blank");
    expect(a.getAttribute("rel")).toContain("noopener");
  });

  it("shows the title and objectives as text, never as HTML", async () => {
    const lesson = clone(fixtures.lessonShow);
    lesson.title = "<img src=x onerror=alert(1)>";
    lesson.objectives = ["<b>bold</b>"];
    lesson.html = "<p>safe</p>";
    mockBackend({ get_lesson: () => lesson });
    const { container } = render(Lesson, { id: "network-policies" });
    expect(await screen.findByTestId("lesson-title")).toHaveTextContent("<img src=x onerror=alert(1)>");
    expect(screen.getByTestId("objectives")).toHaveTextContent("<b>bold</b>");
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
  });

  it("shows an error banner when the lesson does not exist", async () => {
    mockBackend({
      get_lesson: () => {
        throw { code: "lesson-not-found", message: "no lesson named nope" };
      },
    });
    render(Lesson, { id: "nope" });
    const banner = await screen.findByTestId("error-banner");
    expect(banner).toHaveTextContent("no lesson named nope");
    expect(banner).toHaveTextContent(/curriculum/);
  });
});
