import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import Playground from "./Playground.svelte";
import { clone, fixtures, mockBackend } from "../test/backend";
import type { PlayRequest } from "../lib/types";

const requests = (calls: { cmd: string; args: Record<string, unknown> | undefined }[]) =>
  calls.filter((c) => c.cmd === "play").map((c) => c.args?.request as PlayRequest);

describe("Policy playground", () => {
  it("starts from the first example of the mode and evaluates it: decisions with denials and warnings", async () => {
    const calls = mockBackend();
    render(Playground);
    const policy = screen.getByTestId<HTMLTextAreaElement>("play-policy");
    await waitFor(() => expect(policy.value).toBe(fixtures.playExamples[0]!.policy));
    expect(screen.getByTestId<HTMLTextAreaElement>("play-input").value).toBe(fixtures.playExamples[0]!.input);
    expect(screen.getByTestId("play-mode-gatekeeper")).toHaveAttribute("aria-selected", "true");

    await fireEvent.change(screen.getByTestId("play-operation"), { target: { value: "UPDATE" } });
    await fireEvent.click(screen.getByTestId("play-evaluate"));

    const decisions = await screen.findAllByTestId("play-decision");
    expect(requests(calls)).toEqual([
      { mode: "gatekeeper", policy: fixtures.playExamples[0]!.policy, input: fixtures.playExamples[0]!.input, operation: "UPDATE" },
    ]);
    expect(decisions).toHaveLength(2);
    expect(decisions[0]).toHaveTextContent("Namespace shop");
    expect(within(decisions[0]!).getByTestId("play-verdict")).toHaveTextContent("DENIED");
    // Multi-line messages keep their lines, in a <pre>.
    const denial = within(decisions[0]!).getByTestId("play-denial");
    expect(denial.tagName).toBe("PRE");
    expect(denial.textContent).toBe('[must-have-owner] you must provide labels: {"owner"}\n  missing: owner');
    expect(within(decisions[1]!).getByTestId("play-verdict")).toHaveTextContent("ALLOWED");
    expect(within(decisions[1]!).getByTestId("play-warning")).toHaveTextContent("label team is deprecated");
    expect(screen.getByTestId("play-in-force")).toHaveTextContent("1 policy in force");
  });

  it("lists problems with their position; clicking one puts the caret there in the right textarea", async () => {
    mockBackend({ play: () => clone(fixtures.playProblems) });
    render(Playground);
    const policy = screen.getByTestId<HTMLTextAreaElement>("play-policy");
    const input = screen.getByTestId<HTMLTextAreaElement>("play-input");
    await waitFor(() => expect(policy.value).not.toBe(""));
    await fireEvent.input(policy, { target: { value: "line one\nline two\nabcdefgh\n" } });
    await fireEvent.input(input, { target: { value: "a: 1\nbroken\n" } });
    expect(screen.getByTestId("play-policy-lines").textContent).toBe("1\n2\n3\n4");
    expect(screen.getByTestId("play-input-lines").textContent).toBe("1\n2\n3");
    await fireEvent.click(screen.getByTestId("play-evaluate"));

    const problems = await screen.findAllByTestId("play-problem");
    expect(problems).toHaveLength(2);
    expect(problems[0]).toHaveTextContent(/^policy 3:5 —/);
    expect(problems[0]!.querySelector("pre")?.textContent).toContain("unexpected ident token\n");
    expect(problems[1]).toHaveTextContent(/^input 2 — objects: expected a mapping/);
    expect(screen.getByTestId("play-no-decisions")).toHaveTextContent("Fix the problems");

    await fireEvent.click(problems[0]!);
    expect(document.activeElement).toBe(policy);
    // line 3 starts at offset 18 ("line one\n" + "line two\n"); column 5 → +4.
    expect(policy.selectionStart).toBe(22);
    expect(policy.selectionEnd).toBe(22);
    expect(screen.getByTestId("play-policy-pos")).toHaveTextContent("Ln 3, Col 5");

    await fireEvent.click(problems[1]!);
    expect(document.activeElement).toBe(input);
    expect(input.selectionStart).toBe(5);
  });

  it("the example picker fills mode, policy, input and query; rego shows the value as JSON", async () => {
    const calls = mockBackend();
    render(Playground);
    const picker = screen.getByTestId<HTMLSelectElement>("play-example");
    await waitFor(() => expect(picker).not.toBeDisabled());
    await fireEvent.change(picker, { target: { value: "rego-plain" } });
    const rego = fixtures.playExamples.find((e) => e.id === "rego-plain")!;
    expect(screen.getByTestId("play-mode-rego")).toHaveAttribute("aria-selected", "true");
    expect(screen.getByTestId<HTMLTextAreaElement>("play-policy").value).toBe(rego.policy);
    expect(screen.getByTestId<HTMLTextAreaElement>("play-input").value).toBe(rego.input);
    expect(screen.getByTestId<HTMLInputElement>("play-query").value).toBe("data.play.allow");
    expect(screen.queryByTestId("play-operation")).not.toBeInTheDocument();

    // Ctrl+Enter evaluates too.
    await fireEvent.keyDown(screen.getByTestId("play-policy"), { key: "Enter", ctrlKey: true });
    const value = await screen.findByTestId("play-value");
    expect(JSON.parse(value.textContent ?? "")).toEqual({ allow: true, users: ["admin"] });
    expect(requests(calls)).toEqual([{ mode: "rego", policy: rego.policy, input: rego.input, query: "data.play.allow" }]);
  });

  it("switches modes with the tabs (and arrow keys) without losing the text", async () => {
    mockBackend();
    render(Playground);
    const policy = screen.getByTestId<HTMLTextAreaElement>("play-policy");
    await waitFor(() => expect(policy.value).not.toBe(""));
    await fireEvent.click(screen.getByTestId("play-mode-vap"));
    expect(screen.getByTestId("play-mode-vap")).toHaveAttribute("aria-selected", "true");
    expect(policy.value).toBe(fixtures.playExamples[0]!.policy);
    await fireEvent.keyDown(screen.getByTestId("play-mode-vap"), { key: "ArrowRight" });
    expect(screen.getByTestId("play-mode-rego")).toHaveAttribute("aria-selected", "true");
    expect(screen.getByTestId("play-query")).toBeInTheDocument();
  });

  it("keeps working when evaluating fails or examples cannot load", async () => {
    let fail = true;
    mockBackend({
      play_examples: () => {
        throw { code: "ipc", message: "command play_examples not found" };
      },
      play: () => {
        if (fail) throw { code: "play", message: "evaluator crashed" };
        return clone(fixtures.playResult);
      },
    });
    render(Playground);
    expect(await screen.findByText("command play_examples not found")).toBeInTheDocument();
    expect(screen.getByTestId("play-example")).toBeDisabled();
    expect(screen.getByText("Nothing evaluated yet")).toBeInTheDocument();

    await fireEvent.input(screen.getByTestId("play-policy"), { target: { value: "{{{ not yaml" } });
    await fireEvent.click(screen.getByTestId("play-evaluate"));
    expect(await screen.findByText("evaluator crashed")).toBeInTheDocument();
    fail = false;
    await fireEvent.click(screen.getByTestId("play-evaluate"));
    expect(await screen.findAllByTestId("play-decision")).toHaveLength(2);
    expect(screen.queryByText("evaluator crashed")).not.toBeInTheDocument();
  });
});
