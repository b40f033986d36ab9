import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import Lab from "./Lab.svelte";
import { clone, fixtures, mockBackend } from "../test/backend";

const ID = "netpol-and-or-selectors";

describe("Lab workspace", () => {
  it("shows the lab: title, task html, timer, checks, hints and fixture choices", async () => {
    const calls = mockBackend();
    render(Lab, { id: ID });
    expect(await screen.findByTestId("lab-title")).toHaveTextContent(fixtures.labGet.title);
    expect(calls[0]).toEqual({ cmd: "get_lab", args: { id: ID } });

    const task = screen.getByTestId("lab-task");
    expect(task.querySelector("h1")).toHaveTextContent("Restrict who can reach the database");
    expect(task.querySelector("strong code")).toHaveTextContent("payments");
    expect(screen.getByTestId("timer")).toHaveTextContent(/^\s*00:0\d\s*$/);
    expect(screen.getByTestId("hint-summary")).toHaveTextContent("3 hints, each costs 1 point.");
    expect(screen.getByTestId("hint-button")).toHaveTextContent("Reveal hint 1 of 3 (−1)");
    expect(screen.getByTestId("hints").children).toHaveLength(0);
    const checks = screen.getByTestId("check-list");
    expect(within(checks).getByText("db-ingress-allowlist")).toBeInTheDocument();

    const select = screen.getByTestId("fixture-select") as HTMLSelectElement;
    expect(select.options[0]?.textContent?.trim()).toBe("Broken — the state right after setup");
    expect(select.value).toBe("fixtures/broken");
  });

  it("labels every fixture by its kind and keeps the path as the option value", async () => {
    mockBackend();
    render(Lab, { id: ID });
    const select = (await screen.findByTestId("fixture-select")) as HTMLSelectElement;
    const options = [...select.options].map((o) => [o.value, o.textContent?.trim()]);
    expect(options).toEqual([
      ["fixtures/broken", "Broken — the state right after setup"],
      ["fixtures/solved", "Solved — the reference solution"],
      ["fixtures/two-policies-named-ports", "Also correct — two-policies-named-ports"],
      ["fixtures/namespace-name-selectors", "Also correct — namespace-name-selectors"],
      ["fixtures/match-expressions", "Also correct — match-expressions"],
      ["fixtures/allow-all", "Bypass (should fail) — allow-all"],
      ["fixtures/or-instead-of-and", "Bypass (should fail) — or-instead-of-and"],
      ["fixtures/relabelled-web", "Bypass (should fail) — relabelled-web"],
      ["fixtures/debug-deleted", "Bypass (should fail) — debug-deleted"],
      ["fixtures/namespace-default-deny", "Bypass (should fail) — namespace-default-deny"],
    ]);
    // What the e2e does: set the value directly.
    select.value = "fixtures/solved";
    expect(select.value).toBe("fixtures/solved");
  });

  it("labels by kind, not by position or folder name", async () => {
    const lab = clone(fixtures.labGet);
    lab.fixtures = [
      { path: "snap/start", kind: "broken" },
      { path: "snap/done", kind: "solved" },
      { path: "snap/broken", kind: "bypass" },
    ];
    mockBackend({ get_lab: () => lab });
    render(Lab, { id: ID });
    const select = (await screen.findByTestId("fixture-select")) as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent?.trim())).toEqual([
      "Broken — the state right after setup",
      "Solved — the reference solution",
      "Bypass (should fail) — broken",
    ]);
    expect(select.value).toBe("snap/start");
  });

  it("grades the chosen fixture and shows every outcome with findings", async () => {
    const calls = mockBackend();
    render(Lab, { id: ID });
    await fireEvent.click(await screen.findByTestId("grade-button"));

    const results = screen.getByTestId("results");
    expect(results).toHaveAttribute("aria-live", "polite");
    const outcome = await within(results).findByTestId("outcome-db-ingress-allowlist");
    expect(within(outcome).getByTestId("status")).toHaveTextContent("FAIL");
    expect(outcome).toHaveTextContent("0 / 4 pts");
    expect(outcome).toHaveTextContent("7 of 9 flows do not behave as expected");
    expect(outcome).toHaveTextContent(/Expected\s*deny/);
    expect(outcome).toHaveTextContent(/Found\s*allow/);
    expect(within(outcome).getByRole("link")).toHaveAttribute("target", "_blank");

    const guard = within(results).getByTestId("outcome-workloads-still-run");
    expect(guard).toHaveTextContent("guard");
    expect(within(results).getByTestId("score")).toHaveTextContent("0 / 4 points");
    expect(calls.find((c) => c.cmd === "grade_fixture")?.args).toEqual({ id: ID, fixture: "fixtures/broken" });
  });

  it("grades another fixture picked in the select", async () => {
    const solved = clone(fixtures.gradeSolved);
    const calls = mockBackend({ grade_fixture: () => solved });
    render(Lab, { id: ID });
    const select = await screen.findByTestId("fixture-select");
    await fireEvent.change(select, { target: { value: "fixtures/solved" } });
    await fireEvent.click(screen.getByTestId("grade-button"));
    const first = solved.outcomes[0]!;
    const outcome = await screen.findByTestId(`outcome-${first.checkId}`);
    expect(within(outcome).getByTestId("status")).toHaveTextContent("PASS");
    expect(screen.getByTestId("results")).toHaveTextContent("Passed");
    expect(calls.find((c) => c.cmd === "grade_fixture")?.args).toEqual({ id: ID, fixture: "fixtures/solved" });
  });

  it("shows the guard failure notice and ERROR outcomes", async () => {
    const report = clone(fixtures.gradeNetpol);
    report.guardFailed = true;
    report.outcomes[1]!.status = "error";
    mockBackend({ grade_fixture: () => report });
    render(Lab, { id: ID });
    await fireEvent.click(await screen.findByTestId("grade-button"));
    expect(await screen.findByTestId("guard-failed")).toHaveTextContent("A guard check failed");
    const id = report.outcomes[1]!.checkId;
    expect(within(screen.getByTestId(`outcome-${id}`)).getByTestId("status")).toHaveTextContent("ERROR");
  });

  it("shows an error banner when grading fails, and stays usable", async () => {
    let fail = true;
    mockBackend({
      grade_fixture: () => {
        if (fail) throw { code: "snapshot-invalid", message: "fixtures/broken/objects.yaml:3:1: bad YAML" };
        return clone(fixtures.gradeNetpol);
      },
    });
    render(Lab, { id: ID });
    await fireEvent.click(await screen.findByTestId("grade-button"));
    const banner = await screen.findByTestId("error-banner");
    expect(banner).toHaveTextContent("bad YAML");
    expect(banner).toHaveTextContent("ckslab labs lint");
    const button = screen.getByTestId("grade-button");
    expect(button).toBeEnabled();
    fail = false;
    await fireEvent.click(button);
    expect(await screen.findByTestId("outcome-db-ingress-allowlist")).toBeInTheDocument();
    expect(screen.queryByTestId("error-banner")).not.toBeInTheDocument();
  });

  it("reveals hints one by one: appends their html and updates the penalty", async () => {
    const calls = mockBackend();
    render(Lab, { id: ID });
    const button = await screen.findByTestId("hint-button");
    expect(screen.getByTestId("hint-penalty")).toHaveTextContent("Hint penalty on this attempt: 0 points");

    await fireEvent.click(button);
    const list = screen.getByTestId("hints");
    const first = await within(list).findByTestId("hint-1");
    // Rendered as HTML (sanitized by Rust), not as text.
    expect(first.querySelector("code")).toHaveTextContent("from");
    expect(first.querySelectorAll("strong")).toHaveLength(2);
    expect(screen.getByTestId("hint-penalty")).toHaveTextContent("1 point");
    expect(button).toHaveTextContent("Reveal hint 2 of 3 (−1)");
    expect(calls.filter((c) => c.cmd === "reveal_hint")).toEqual([{ cmd: "reveal_hint", args: { id: ID } }]);

    await fireEvent.click(button);
    expect(await within(list).findByTestId("hint-2")).toHaveTextContent("purpose=monitoring");
    expect(list.children).toHaveLength(2);
    expect(screen.getByTestId("hint-penalty")).toHaveTextContent("2 points");

    await fireEvent.click(button);
    expect(await within(list).findByTestId("hint-3")).toHaveTextContent("two ingress rules");
    expect(list.children).toHaveLength(3);
    expect(screen.getByTestId("hint-penalty")).toHaveTextContent("3 points");
    expect(button).toBeDisabled();
    expect(button).toHaveTextContent("All 3 hints revealed");
    await fireEvent.click(button);
    expect(calls.filter((c) => c.cmd === "reveal_hint")).toHaveLength(3);
  });

  it("explains that hints need an attempt when there is none yet", async () => {
    let attempt = false;
    mockBackend({
      reveal_hint: () => {
        if (!attempt) {
          throw {
            code: "no-attempt",
            message: 'no attempt at lab "netpol-and-or-selectors" yet: start one with `ckslab start netpol-and-or-selectors`',
          };
        }
        return { number: 1, of: 3, html: "<p>first hint</p>", totalPenalty: 1 };
      },
    });
    render(Lab, { id: ID });
    await fireEvent.click(await screen.findByTestId("hint-button"));
    const banner = await screen.findByTestId("error-banner");
    expect(banner).toHaveTextContent(
      "Hints belong to an attempt: grade a snapshot (or start the lab on a cluster) first.",
    );
    expect(banner).not.toHaveTextContent("ckslab start");
    expect(screen.getByTestId("hints").children).toHaveLength(0);
    expect(screen.getByTestId("hint-penalty")).toHaveTextContent("0 points");

    // Grade a snapshot (which creates the attempt), then the hint comes.
    await fireEvent.click(screen.getByTestId("grade-button"));
    await screen.findByTestId("outcome-db-ingress-allowlist");
    attempt = true;
    const button = screen.getByTestId("hint-button");
    expect(button).toBeEnabled();
    await fireEvent.click(button);
    expect(await screen.findByTestId("hint-1")).toHaveTextContent("first hint");
    expect(screen.queryByTestId("error-banner")).not.toBeInTheDocument();
  });

  it("shows other hint failures as they are", async () => {
    mockBackend({
      reveal_hint: () => {
        throw { code: "store", message: "database is locked" };
      },
    });
    render(Lab, { id: ID });
    await fireEvent.click(await screen.findByTestId("hint-button"));
    expect(await screen.findByTestId("error-banner")).toHaveTextContent("database is locked");
  });

  it("starts the hint list again after a grade, since a grade is a new attempt", async () => {
    mockBackend();
    render(Lab, { id: ID });
    await fireEvent.click(await screen.findByTestId("hint-button"));
    await screen.findByTestId("hint-1");
    await fireEvent.click(screen.getByTestId("grade-button"));
    await screen.findByTestId("outcome-db-ingress-allowlist");
    expect(screen.getByTestId("hints").children).toHaveLength(0);
    expect(screen.getByTestId("hints-reset")).toBeInTheDocument();
    expect(screen.getByTestId("hint-button")).toHaveTextContent("Reveal hint 1 of 3 (−1)");
  });

  it("says so when the lab has no hints", async () => {
    const lab = clone(fixtures.labGet);
    lab.hintCount = 0;
    mockBackend({ get_lab: () => lab });
    render(Lab, { id: ID });
    expect(await screen.findByTestId("hint-summary")).toHaveTextContent("No hints for this lab.");
    expect(screen.queryByTestId("hint-button")).not.toBeInTheDocument();
  });

  it("shows the solution only after confirmation", async () => {
    const calls = mockBackend();
    render(Lab, { id: ID });
    await fireEvent.click(await screen.findByTestId("solution-button"));
    const confirm = screen.getByTestId("solution-confirm");
    expect(confirm).toHaveTextContent("Are you sure? It won't cost points but you learn more by trying");
    expect(calls.some((c) => c.cmd === "show_solution")).toBe(false);

    await fireEvent.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByTestId("solution-confirm")).not.toBeInTheDocument();
    expect(screen.queryByTestId("solution")).not.toBeInTheDocument();
    expect(calls.some((c) => c.cmd === "show_solution")).toBe(false);

    await fireEvent.click(screen.getByTestId("solution-button"));
    await fireEvent.click(within(screen.getByTestId("solution-confirm")).getByRole("button", { name: "Yes" }));
    const solution = await screen.findByTestId("solution");
    expect(solution.querySelector("h2")).toHaveTextContent("Solution");
    expect(solution.querySelector("pre code")).toHaveTextContent("kind: NetworkPolicy");
    expect(calls.filter((c) => c.cmd === "show_solution")).toEqual([{ cmd: "show_solution", args: { id: ID } }]);
    expect(screen.queryByTestId("solution-button")).not.toBeInTheDocument();
  });

  it("shows an error banner when the solution does not load", async () => {
    mockBackend({
      show_solution: () => {
        throw { code: "lab-invalid", message: "solution.md: bad template" };
      },
    });
    render(Lab, { id: ID });
    await fireEvent.click(await screen.findByTestId("solution-button"));
    await fireEvent.click(screen.getByRole("button", { name: "Yes" }));
    expect(await screen.findByTestId("error-banner")).toHaveTextContent("bad template");
    expect(screen.queryByTestId("solution")).not.toBeInTheDocument();
  });

  it("shows an error banner when the lab does not load", async () => {
    mockBackend({
      get_lab: () => {
        throw { code: "lab-not-found", message: "no lab nope in /labs" };
      },
    });
    render(Lab, { id: "nope" });
    expect(await screen.findByTestId("error-banner")).toHaveTextContent("no lab nope in /labs");
  });

  it("shows why a lab is unavailable on this machine", async () => {
    const lab = clone(fixtures.labGet);
    lab.requires = ["node"];
    lab.unavailable = "node access needs docker or podman";
    mockBackend({ get_lab: () => lab });
    render(Lab, { id: ID });
    expect(await screen.findByTestId("unavailable")).toHaveTextContent("node access needs docker or podman");
    expect(screen.getByTestId("requires")).toHaveTextContent("node");
  });
});

describe("XSS: plain strings are never turned into HTML", () => {
  const EVIL = "<img src=x onerror=alert(1)>";

  it("renders titles, check messages, findings and descriptions as text", async () => {
    const lab = clone(fixtures.labGet);
    lab.title = EVIL;
    lab.checkList[0]!.description = EVIL;
    lab.competencies = [EVIL];
    const report = clone(fixtures.gradeNetpol);
    const o = report.outcomes[0]!;
    o.message = EVIL;
    o.findings = [
      { message: EVIL, expected: EVIL, found: "<script>alert(2)</script>", rule: EVIL, container: EVIL },
    ];
    mockBackend({ get_lab: () => lab, grade_fixture: () => report });
    const { container } = render(Lab, { id: ID });
    expect(await screen.findByTestId("lab-title")).toHaveTextContent(EVIL);
    await fireEvent.click(screen.getByTestId("grade-button"));
    const outcome = await screen.findByTestId(`outcome-${o.checkId}`);
    expect(outcome).toHaveTextContent(EVIL);
    expect(outcome).toHaveTextContent("<script>alert(2)</script>");
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("[onerror]")).toBeNull();
  });

  it("renders fixture paths as text in the select", async () => {
    const lab = clone(fixtures.labGet);
    lab.fixtures = [
      { path: "fixtures/broken", kind: "broken" },
      { path: "fixtures/solved", kind: "solved" },
      { path: `fixtures/${EVIL}`, kind: "bypass" },
    ];
    mockBackend({ get_lab: () => lab });
    const { container } = render(Lab, { id: ID });
    const select = (await screen.findByTestId("fixture-select")) as HTMLSelectElement;
    expect(select.options[2]).toHaveTextContent(EVIL);
    expect(container.querySelector("img")).toBeNull();
  });

  it("renders hint and solution errors as text", async () => {
    mockBackend({
      reveal_hint: () => {
        throw { code: "store", message: EVIL };
      },
      show_solution: () => {
        throw { code: "lab-invalid", message: "<script>alert(3)</script>" };
      },
    });
    const { container } = render(Lab, { id: ID });
    await fireEvent.click(await screen.findByTestId("hint-button"));
    expect(await screen.findByTestId("error-banner")).toHaveTextContent(EVIL);
    await fireEvent.click(screen.getByTestId("solution-button"));
    await fireEvent.click(screen.getByRole("button", { name: "Yes" }));
    await waitFor(() => expect(screen.getAllByTestId("error-banner")).toHaveLength(2));
    expect(screen.getAllByTestId("error-banner")[1]).toHaveTextContent("<script>alert(3)</script>");
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("[onerror]")).toBeNull();
  });

  it("renders error messages as text", async () => {
    mockBackend({
      get_lab: () => {
        throw { code: "lab-invalid", message: EVIL };
      },
    });
    const { container } = render(Lab, { id: ID });
    expect(await screen.findByTestId("error-banner")).toHaveTextContent(EVIL);
    expect(container.querySelector("img")).toBeNull();
  });
});
