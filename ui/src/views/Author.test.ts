import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import Author from "./Author.svelte";
import { clone, fixtures, mockBackend, send } from "../test/backend";

const of = (calls: { cmd: string; args: unknown }[], cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.args);

async function typePath(p: string) {
  await fireEvent.input(screen.getByTestId("author-path"), { target: { value: p } });
}

describe("Author view", () => {
  it("starts empty, with Check disabled until a path is given", () => {
    mockBackend();
    render(Author);
    expect(screen.getByTestId("empty-state")).toHaveTextContent("No folder checked yet");
    expect(screen.getByTestId("author-check")).toBeDisabled();
    expect(screen.getByTestId("author-watch")).toBeDisabled();
  });

  it("checks a folder: lint problems with file:line:column, fixture table, task preview", async () => {
    const calls = mockBackend({ author_check: () => clone(fixtures.authorReport) });
    render(Author);
    await typePath("/home/author/labs");
    await fireEvent.click(screen.getByTestId("author-check"));
    const labs = await screen.findAllByTestId("author-lab");
    expect(of(calls, "author_check")).toEqual([{ path: "/home/author/labs" }]);
    expect(labs).toHaveLength(2);
    expect(screen.getByTestId("author-summary")).toHaveTextContent("2 labs in /home/author/labs");

    const [good, broken] = labs as [HTMLElement, HTMLElement];
    expect(within(good).getByRole("heading", { level: 2 })).toHaveTextContent("Restrict who can reach the database");
    expect(good).toHaveTextContent("netpol-and-or-selectors");
    expect(within(good).getByTestId("author-no-problems")).toBeInTheDocument();
    // One bypass scored full points: the lab needs work.
    expect(within(good).getByTestId("author-lab-status")).toHaveTextContent("needs work");
    const rows = within(good).getAllByTestId("author-fixture");
    expect(rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent?.trim()))).toEqual([
      ["Broken", "fixtures/broken", "as expected", "0 / 4", ""],
      ["Solved", "fixtures/solved", "as expected", "4 / 4", ""],
      ["Bypass (should fail)", "fixtures/allow-all", "wrong", "4 / 4", "scored 4/4 but a bypass must not pass"],
    ]);
    const task = within(good).getByTestId("author-task");
    expect(task.querySelector("h1")).toHaveTextContent("Restrict who can reach the database");

    expect(within(broken).getByRole("heading", { level: 2 })).toHaveTextContent("/home/author/labs/half-done");
    const problems = within(broken).getByTestId("author-problems");
    expect(problems).toHaveTextContent("lab.yaml:3:7");
    expect(problems).toHaveTextContent("points");
    expect(problems).toHaveTextContent("expected an integer");
    expect(problems).toHaveTextContent("write points: 4");
    expect(within(broken).getByTestId("author-no-selftest")).toBeInTheDocument();
    expect(within(broken).queryByTestId("author-task")).not.toBeInTheDocument();
  });

  it("chooses the folder with the dialog and checks it", async () => {
    const calls = mockBackend({
      "plugin:dialog|open": () => "/home/author/labs",
      author_check: () => clone(fixtures.authorReport),
    });
    render(Author);
    await fireEvent.click(screen.getByTestId("author-choose"));
    await screen.findAllByTestId("author-lab");
    expect((screen.getByTestId("author-path") as HTMLInputElement).value).toBe("/home/author/labs");
    expect(of(calls, "plugin:dialog|open")[0]).toMatchObject({ options: { directory: true } });
    expect(of(calls, "author_check")).toEqual([{ path: "/home/author/labs" }]);
  });

  it("says so when the folder has no labs, and shows errors", async () => {
    let fail = false;
    mockBackend({
      author_check: (a) => {
        if (fail) throw { code: "path-not-found", message: "no such folder /nope" };
        return { path: a?.path, labs: [], checkedAt: "2026-11-27T07:40:00Z" };
      },
    });
    render(Author);
    await typePath("/tmp/empty");
    await fireEvent.click(screen.getByTestId("author-check"));
    expect(await screen.findByText("No labs found")).toBeInTheDocument();
    fail = true;
    await typePath("/nope");
    await fireEvent.click(screen.getByTestId("author-check"));
    expect(await screen.findByTestId("error-banner")).toHaveTextContent("no such folder /nope");
  });

  it("watches: each report from the watch re-renders; stop and unmount unwatch", async () => {
    let channel: unknown;
    const calls = mockBackend({
      author_check: () => clone(fixtures.authorReport),
      author_watch: (a) => {
        channel = a?.onEvent;
        return { watchId: 4 };
      },
    });
    const { unmount } = render(Author);
    await typePath("/home/author/labs");
    await fireEvent.click(screen.getByTestId("author-watch"));
    expect(await screen.findByTestId("author-watching")).toHaveTextContent("/home/author/labs");
    expect(screen.getByTestId("author-watch")).toHaveAttribute("aria-pressed", "true");
    expect(of(calls, "author_watch")[0]).toMatchObject({ path: "/home/author/labs" });
    // The current state is shown right away.
    await waitFor(() => expect(screen.getAllByTestId("author-lab")).toHaveLength(2));

    // The author fixes the bypass: the watch sends a new report.
    const fixed = clone(fixtures.authorReport);
    fixed.labs = [fixed.labs[0]!];
    fixed.labs[0]!.selfTest!.passed = true;
    fixed.labs[0]!.selfTest!.fixtures[2] = { ...fixed.labs[0]!.selfTest!.fixtures[2]!, passed: true, failures: [], score: 0 };
    send(channel, { kind: "report", report: fixed });
    await waitFor(() => expect(screen.getAllByTestId("author-lab")).toHaveLength(1));
    expect(screen.getByTestId("author-lab-status")).toHaveTextContent("OK");
    expect(screen.getByTestId("author-watching")).toHaveTextContent("1 update so far");

    await fireEvent.click(screen.getByTestId("author-watch"));
    expect(of(calls, "author_unwatch")).toEqual([{ watchId: 4 }]);
    expect(screen.queryByTestId("author-watching")).not.toBeInTheDocument();

    // Watch again, then leave the view: unwatched.
    await fireEvent.click(screen.getByTestId("author-watch"));
    await screen.findByTestId("author-watching");
    unmount();
    expect(of(calls, "author_unwatch")).toEqual([{ watchId: 4 }, { watchId: 4 }]);
  });

  it("renders names and messages as text", async () => {
    const EVIL = "<img src=x onerror=alert(1)>";
    const report = clone(fixtures.authorReport);
    report.labs[1]!.problems[0]!.message = EVIL;
    report.labs[0]!.title = EVIL;
    report.labs[0]!.selfTest!.fixtures[2]!.failures = [EVIL];
    mockBackend({ author_check: () => report });
    const { container } = render(Author);
    await typePath("/x");
    await fireEvent.click(screen.getByTestId("author-check"));
    await screen.findAllByTestId("author-lab");
    expect(screen.getByTestId("author-report")).toHaveTextContent(EVIL);
    expect(container.querySelector("img")).toBeNull();
  });
});
