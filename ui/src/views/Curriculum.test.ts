import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, within } from "@testing-library/svelte";
import Curriculum from "./Curriculum.svelte";
import { clone, fixtures, mockBackend } from "../test/backend";

describe("Curriculum browser", () => {
  it("lists domains, competencies, lessons and labs with status badges", async () => {
    const lessons = clone(fixtures.lessonsList);
    lessons.find((l) => l.id === "network-policies")!.status = "read";
    mockBackend({ list_lessons: () => lessons });
    render(Curriculum);
    const np = await screen.findByTestId("lesson-link-network-policies");
    expect(np).toHaveAttribute("href", "#/lesson/network-policies");
    expect(np.parentElement).toHaveTextContent("read");
    expect(screen.getByTestId("lesson-link-cluster-setup-overview").parentElement).toHaveTextContent("new");

    const passed = screen.getByTestId("lab-link-sa-disable-automount");
    expect(passed).toHaveAttribute("href", "#/lab/sa-disable-automount");
    expect(passed.parentElement).toHaveTextContent("passed · best 100%");
    expect(screen.getByTestId("lab-link-netpol-and-or-selectors").parentElement).toHaveTextContent("best 0%");
    expect(screen.getByTestId("lab-link-netpol-default-deny").parentElement).toHaveTextContent("not attempted");
    expect(screen.getByTestId("lab-link-apiserver-harden-flags").parentElement).toHaveTextContent("unavailable here");
  });

  it("filters by lesson, lab, competency or domain", async () => {
    mockBackend();
    render(Curriculum);
    const box = await screen.findByLabelText("Filter");
    await screen.findByTestId("lab-link-sa-disable-automount");

    await fireEvent.input(box, { target: { value: "netpol" } });
    expect(screen.getByTestId("lab-link-netpol-and-or-selectors")).toBeInTheDocument();
    expect(screen.queryByTestId("lab-link-sa-disable-automount")).toBeNull();
    expect(screen.queryByTestId("domain-section-cluster-hardening")).toBeNull();

    await fireEvent.input(box, { target: { value: "Cluster Hardening" } });
    const section = screen.getByTestId("domain-section-cluster-hardening");
    expect(within(section).getByTestId("lab-link-sa-disable-automount")).toBeInTheDocument();
    expect(screen.queryByTestId("lab-link-netpol-and-or-selectors")).toBeNull();

    await fireEvent.input(box, { target: { value: "zzz-nothing" } });
    expect(screen.getByTestId("empty-state")).toHaveTextContent("Nothing matches");
    await fireEvent.click(screen.getByRole("button", { name: "Clear the filter" }));
    expect(screen.getByTestId("lab-link-sa-disable-automount")).toBeInTheDocument();
  });

  it("shows titles as text", async () => {
    const labs = clone(fixtures.labsList);
    labs.labs[0]!.title = "<img src=x onerror=alert(1)>";
    mockBackend({ list_labs: () => labs });
    const { container } = render(Curriculum);
    const link = await screen.findByTestId(`lab-link-${labs.labs[0]!.id}`);
    expect(link).toHaveTextContent("<img src=x onerror=alert(1)>");
    expect(container.querySelector("img")).toBeNull();
  });

  it("shows an error banner when loading fails", async () => {
    mockBackend({
      list_labs: () => {
        throw { code: "path-not-found", message: "/usr/share/ckslab/labs does not exist" };
      },
    });
    render(Curriculum);
    expect(await screen.findByTestId("error-banner")).toHaveTextContent("does not exist");
  });
});
