import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, within } from "@testing-library/svelte";
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
    expect(screen.getByTestId("hints")).toHaveTextContent("3 hints available, each costs 1 point");
    const checks = screen.getByTestId("check-list");
    expect(within(checks).getByText("db-ingress-allowlist")).toBeInTheDocument();

    const select = screen.getByTestId("fixture-select") as HTMLSelectElement;
    const labels = [...select.options].map((o) => o.textContent?.trim());
    expect(labels[0]).toBe("broken (state after setup)");
    expect(labels[1]).toBe("solved (reference solution)");
    expect(labels).toContain("or-instead-of-and");
    expect(select.value).toBe("fixtures/broken");
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
