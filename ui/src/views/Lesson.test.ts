import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
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

describe("Lesson reader: interactive quiz", () => {
  it("checks a choice question: verdict, expected answer and explanation, sent by index", async () => {
    const calls = mockBackend();
    render(Lesson, { id: "network-policies" });
    const q0 = await screen.findByTestId("quiz-0");
    // The answers are no longer in the lesson.
    expect(q0).not.toHaveTextContent("policyTypes defaults to Ingress always");
    const check = within(q0).getByTestId("quiz-0-check");
    expect(check).toBeDisabled();
    await fireEvent.click(within(q0).getByTestId("quiz-0-choice-0"));
    expect(check).toBeEnabled();
    await fireEvent.click(check);

    const result = await within(q0).findByTestId("quiz-0-result");
    expect(calls.filter((c) => c.cmd === "answer_quiz").map((c) => c.args)).toEqual([
      { lessonId: "network-policies", index: 0, answer: "Ingress only" },
    ]);
    expect(within(result).getByTestId("quiz-verdict")).toHaveTextContent("Incorrect");
    expect(within(result).getByTestId("quiz-0-expected")).toHaveTextContent("Ingress and Egress");
    expect(within(result).getByTestId("quiz-0-explanation")).toHaveTextContent(fixtures.quizKey[0]!.explanation);

    await fireEvent.click(within(q0).getByTestId("quiz-0-choice-2"));
    await fireEvent.click(check);
    await waitFor(() => expect(within(q0).getByTestId("quiz-verdict")).toHaveTextContent("Correct"));
    expect(within(q0).queryByTestId("quiz-0-expected")).not.toBeInTheDocument();
  });

  it("checks a short-answer question typed into a text field", async () => {
    const calls = mockBackend();
    render(Lesson, { id: "network-policies" });
    const q3 = await screen.findByTestId("quiz-3");
    expect(within(q3).queryByRole("radio")).toBeNull();
    await fireEvent.input(within(q3).getByTestId("quiz-3-text"), { target: { value: "  kubernetes.io/metadata.name " } });
    await fireEvent.click(within(q3).getByTestId("quiz-3-check"));
    const result = await within(q3).findByTestId("quiz-3-result");
    expect(within(result).getByTestId("quiz-verdict")).toHaveTextContent("Correct");
    expect(result).toHaveTextContent("GA since v1.22");
    expect(calls.find((c) => c.cmd === "answer_quiz")?.args).toEqual({
      lessonId: "network-policies",
      index: 3,
      answer: "kubernetes.io/metadata.name",
    });
  });

  it("shows a previously given answer and its verdict, preselected", async () => {
    const lesson = clone(fixtures.lessonShow);
    lesson.quiz[1]!.answered = { answer: "Nobody, the two selectors conflict", correct: false };
    lesson.quiz[3]!.answered = { answer: "kubernetes.io/metadata.name", correct: true };
    mockBackend({ get_lesson: () => lesson });
    render(Lesson, { id: "network-policies" });
    const prior = await screen.findByTestId("quiz-1-prior");
    expect(prior).toHaveTextContent("Last time you answered Nobody, the two selectors conflict");
    expect(prior).toHaveTextContent("incorrect");
    expect(screen.getByTestId<HTMLInputElement>("quiz-1-choice-2").checked).toBe(true);
    expect(screen.getByTestId("quiz-3-prior")).toHaveTextContent("correct");
    expect(screen.getByTestId<HTMLInputElement>("quiz-3-text").value).toBe("kubernetes.io/metadata.name");
    expect(screen.queryByTestId("quiz-0-prior")).not.toBeInTheDocument();
  });

  it("shows an error next to the question when checking fails", async () => {
    mockBackend({
      answer_quiz: () => {
        throw { code: "store", message: "database is locked" };
      },
    });
    render(Lesson, { id: "network-policies" });
    const q0 = await screen.findByTestId("quiz-0");
    await fireEvent.click(within(q0).getByTestId("quiz-0-choice-1"));
    await fireEvent.click(within(q0).getByTestId("quiz-0-check"));
    expect(await within(q0).findByTestId("error-banner")).toHaveTextContent("database is locked");
  });
});
