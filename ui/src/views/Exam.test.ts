import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tick } from "svelte";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import Exam from "./Exam.svelte";
import ExamRun from "./ExamRun.svelte";
import ExamReport from "./ExamReport.svelte";
import { clone, fixtures, mockBackend, send } from "../test/backend";
import { resetFakeXterm } from "../test/fakeXterm";
import type { ExamReport as Report, ExamView } from "../lib/types";

vi.mock("@xterm/xterm", () => import("../test/fakeXterm"));
vi.mock("@xterm/addon-fit", () => import("../test/fakeXterm"));

type Calls = { cmd: string; args: Record<string, unknown> | undefined }[];
const of = (calls: Calls, cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.args);

/** A promise a test resolves when it wants. */
function later<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function running(patch: Partial<ExamView> = {}): ExamView {
  return { ...clone(fixtures.examView), ...patch };
}

describe("Mock exam: start page", () => {
  it("previews the plan, then starts: streams the setup lines and lands on the first task", async () => {
    const start = later<ExamView>();
    let channel: unknown;
    const calls = mockBackend({
      exam_start: (a) => {
        channel = a?.onEvent;
        return start.promise;
      },
    });
    render(Exam);
    const count = await screen.findByTestId<HTMLInputElement>("exam-count");
    expect(count.value).toBe("16");
    await fireEvent.input(count, { target: { value: "18" } });
    await fireEvent.input(screen.getByTestId("exam-seed"), { target: { value: "4242" } });

    await fireEvent.click(screen.getByTestId("exam-preview"));
    const plan = await screen.findByTestId("exam-plan");
    expect(of(calls, "exam_plan")).toEqual([{ seed: "4242", count: 18, examId: null }]);
    expect(within(plan).getByTestId("exam-plan-task-1")).toHaveTextContent("Restrict who can reach the database");
    expect(within(plan).getByTestId("exam-plan-seed")).toHaveTextContent("4242");

    await fireEvent.click(screen.getByTestId("exam-start"));
    expect(of(calls, "exam_start")[0]).toMatchObject({ seed: "4242", count: 18, examId: null });
    expect(screen.getByTestId("exam-start")).toBeDisabled();
    send(channel, { kind: "line", text: "task 1/18: netpol-and-or-selectors ready" });
    send(channel, { kind: "line", text: "task 2/18: sa-disable-automount ready" });
    await waitFor(() =>
      expect(screen.getByTestId("exam-start-log").textContent).toBe(
        "task 1/18: netpol-and-or-selectors ready\ntask 2/18: sa-disable-automount ready",
      ),
    );
    start.resolve(running());
    await waitFor(() => expect(window.location.hash).toBe("#/exam/3/task/1"));
  });

  it("starts a fixed exam by its id, and refuses a task count outside 15–20", async () => {
    const calls = mockBackend();
    render(Exam);
    const count = await screen.findByTestId("exam-count");
    await fireEvent.input(count, { target: { value: "12" } });
    await fireEvent.click(screen.getByTestId("exam-start"));
    expect(await screen.findByTestId("error-banner")).toHaveTextContent("between 15 and 20");
    expect(of(calls, "exam_start")).toEqual([]);

    await fireEvent.click(screen.getByTestId("exam-kind-fixed"));
    expect(screen.getByTestId<HTMLSelectElement>("exam-file").value).toBe("mock-1");
    await fireEvent.click(screen.getByTestId("exam-start"));
    await waitFor(() => expect(of(calls, "exam_start")[0]).toMatchObject({ seed: null, count: null, examId: "mock-1" }));
  });

  it("explains a plan conflict and offers to resume a running exam instead of starting one", async () => {
    mockBackend({
      exam_current: () => running({ remainingSeconds: 600 }),
      exam_plan: () => {
        throw { code: "exam-conflict", message: "labs kubelet-a and kubelet-b cannot coexist" };
      },
    });
    render(Exam);
    const banner = await screen.findByTestId("exam-running-banner");
    expect(banner).toHaveTextContent("10:00 left");
    expect(within(banner).getByTestId("exam-resume-link")).toHaveAttribute("href", "#/exam/3/task/1");
    expect(screen.getByTestId("exam-start")).toBeDisabled();
    await fireEvent.click(screen.getByTestId("exam-preview"));
    const err = await screen.findByTestId("error-banner");
    expect(err).toHaveTextContent("cannot coexist");
    expect(err).toHaveTextContent(/another seed/);
  });
});

describe("Mock exam: running", () => {
  beforeEach(() => resetFakeXterm());
  afterEach(() => vi.useRealTimers());

  it("shows the countdown, the task list with flags, the task and a local shell — no hints, solution or grading", async () => {
    const calls = mockBackend({ exam_current: () => running() });
    render(ExamRun, { examId: 3, position: 2 });
    expect(await screen.findByTestId("exam-countdown")).toHaveTextContent("2:00:00");
    expect(screen.getByTestId("exam-task-1")).toHaveTextContent("Restrict who can reach the database");
    expect(within(screen.getByTestId("exam-task-1")).queryByTestId("exam-task-flagged")).toBeNull();
    expect(within(screen.getByTestId("exam-task-2")).getByTestId("exam-task-flagged")).toBeInTheDocument();
    expect(within(screen.getByTestId("exam-task-2")).getByRole("link")).toHaveAttribute("aria-current", "page");
    expect(screen.getByTestId("exam-task-title")).toHaveTextContent("Task 2 of 2: Give a workload its own ServiceAccount");
    expect(screen.getByTestId("exam-task-body")).toHaveTextContent("Stop the api Deployment mounting a token.");
    expect(screen.getByTestId<HTMLTextAreaElement>("exam-notes").value).toBe("check automount on the pod spec too");
    expect(screen.getByTestId("exam-flag")).toHaveAttribute("aria-pressed", "true");
    await waitFor(() => expect(of(calls, "terminal_open")).toEqual([expect.objectContaining({ target: { kind: "local" } })]));
    for (const gone of ["hint-button", "solution-button", "grade-button", "live-grade-button"]) {
      expect(screen.queryByTestId(gone)).not.toBeInTheDocument();
    }
    expect(calls.map((c) => c.cmd)).not.toContain("reveal_hint");
  });

  it("submits by itself when the countdown reaches 0", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    const calls = mockBackend({ exam_current: () => running({ remainingSeconds: 3 }) });
    render(ExamRun, { examId: 3, position: 1 });
    expect(await screen.findByTestId("exam-countdown")).toHaveTextContent("00:03");
    vi.advanceTimersByTime(1000);
    await tick();
    expect(screen.getByTestId("exam-countdown")).toHaveTextContent("00:02");
    expect(of(calls, "exam_submit")).toEqual([]);
    vi.advanceTimersByTime(2000);
    await tick();
    expect(screen.getByTestId("exam-countdown")).toHaveTextContent("00:00");
    // waitFor polls with setInterval: give it the real one back.
    vi.useRealTimers();
    await waitFor(() => expect(of(calls, "exam_submit")).toEqual([expect.objectContaining({ examId: 3 })]));
    expect(screen.getByTestId("exam-time-up")).toHaveTextContent("Time is up");
    // No confirmation when time is up.
    expect(screen.queryByTestId("exam-submit-confirm")).not.toBeInTheDocument();
    await waitFor(() => expect(window.location.hash).toBe("#/exam/3/report"));
  });

  it("flags a task and saves notes on blur and after typing stops", async () => {
    const calls = mockBackend({ exam_current: () => running() });
    render(ExamRun, { examId: 3, position: 1 });
    const flag = await screen.findByTestId("exam-flag");
    expect(flag).toHaveAttribute("aria-pressed", "false");
    await fireEvent.click(flag);
    expect(flag).toHaveAttribute("aria-pressed", "true");
    expect(within(screen.getByTestId("exam-task-1")).getByTestId("exam-task-flagged")).toBeInTheDocument();
    await waitFor(() => expect(of(calls, "exam_flag")).toEqual([{ examId: 3, position: 1, flagged: true }]));

    const notes = screen.getByTestId<HTMLTextAreaElement>("exam-notes");
    await fireEvent.input(notes, { target: { value: "web pods have app=web" } });
    await fireEvent.blur(notes);
    await waitFor(() => expect(of(calls, "exam_note")).toEqual([{ examId: 3, position: 1, notes: "web pods have app=web" }]));
    expect(screen.getByTestId("exam-notes-status")).toHaveTextContent("Saved");

    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    await fireEvent.input(notes, { target: { value: "web pods have app=web, db has app=db" } });
    vi.advanceTimersByTime(500);
    expect(of(calls, "exam_note")).toHaveLength(1);
    vi.advanceTimersByTime(400);
    vi.useRealTimers();
    await waitFor(() => expect(of(calls, "exam_note")).toHaveLength(2));
    expect(of(calls, "exam_note")[1]).toEqual({ examId: 3, position: 1, notes: "web pods have app=web, db has app=db" });
  });

  it("puts the flag back when flagging fails", async () => {
    mockBackend({
      exam_current: () => running(),
      exam_flag: () => {
        throw { code: "store", message: "database is locked" };
      },
    });
    render(ExamRun, { examId: 3, position: 1 });
    const flag = await screen.findByTestId("exam-flag");
    await fireEvent.click(flag);
    expect(await screen.findByTestId("error-banner")).toHaveTextContent("database is locked");
    expect(flag).toHaveAttribute("aria-pressed", "false");
  });

  it("asks before submitting, says how many tasks are flagged, then goes to the report", async () => {
    let channel: unknown;
    const done = later<Report>();
    const calls = mockBackend({
      exam_current: () => running(),
      exam_submit: (a) => {
        channel = a?.onEvent;
        return done.promise;
      },
    });
    render(ExamRun, { examId: 3, position: 1 });
    await fireEvent.click(await screen.findByTestId("exam-submit"));
    const confirm = screen.getByTestId("exam-submit-confirm");
    expect(within(confirm).getByTestId("exam-flagged-count")).toHaveTextContent("1 task is still flagged");
    await fireEvent.click(within(confirm).getByTestId("exam-submit-cancel"));
    expect(screen.queryByTestId("exam-submit-confirm")).not.toBeInTheDocument();
    expect(of(calls, "exam_submit")).toEqual([]);

    await fireEvent.click(screen.getByTestId("exam-submit"));
    await fireEvent.click(screen.getByTestId("exam-submit-yes"));
    await waitFor(() => expect(of(calls, "exam_submit")).toHaveLength(1));
    send(channel, { kind: "line", text: "grading task 1: netpol-and-or-selectors" });
    await waitFor(() => expect(screen.getByTestId("exam-submit-log")).toHaveTextContent("grading task 1"));
    done.resolve(clone(fixtures.examReport));
    await waitFor(() => expect(window.location.hash).toBe("#/exam/3/report"));
  });

  it("says so when the exam is not the running one", async () => {
    mockBackend({ exam_current: () => null });
    render(ExamRun, { examId: 2, position: 1 });
    const msg = await screen.findByTestId("exam-not-running");
    expect(within(msg).getByRole("link", { name: "its report" })).toHaveAttribute("href", "#/exam/2/report");
    expect(screen.queryByTestId("terminal")).not.toBeInTheDocument();
  });
});

describe("Mock exam: report", () => {
  it("shows the total against the pass mark, per-domain scores, per-task results, failed checks and lessons", async () => {
    const calls = mockBackend();
    render(ExamReport, { examId: 3 });
    expect(await screen.findByTestId("exam-report-percent")).toHaveTextContent("43%");
    expect(of(calls, "exam_report")).toEqual([{ examId: 3 }]);
    expect(screen.getByTestId("exam-report-total")).toHaveTextContent("3 / 7");
    expect(screen.getByTestId("exam-report-verdict")).toHaveTextContent("FAIL");
    expect(screen.getByText(/pass mark 67%/)).toBeInTheDocument();

    const setup = screen.getByTestId("exam-domain-cluster-setup");
    expect(setup).toHaveTextContent("Cluster Setup");
    expect(setup).toHaveTextContent("0%");
    expect(setup).toHaveTextContent("0 / 4 points");
    expect(screen.getByTestId("exam-domain-cluster-hardening")).toHaveTextContent("100%");

    expect(screen.getByTestId("exam-result-1")).toHaveTextContent("failed");
    expect(screen.getByTestId("exam-result-2")).toHaveTextContent("passed");

    const failed = screen.getByTestId("exam-failed-1");
    const outcome = within(failed).getByTestId("outcome-db-ingress-allowlist");
    expect(outcome).toHaveTextContent("the db pods accept traffic from every pod");
    expect(outcome).toHaveTextContent("no NetworkPolicy selects app=db");
    expect(within(failed).getByTestId("exam-lesson-link-network-policies")).toHaveAttribute("href", "#/lesson/network-policies");
    expect(screen.queryByTestId("exam-failed-2")).not.toBeInTheDocument();
  });

  it("shows PASS for a passed exam and an error banner when the report cannot load", async () => {
    const passed = clone(fixtures.examReport);
    passed.percent = 80;
    passed.passed = true;
    let fail = true;
    mockBackend({
      exam_report: () => {
        if (fail) throw { code: "exam-not-found", message: "no exam 9" };
        return passed;
      },
    });
    render(ExamReport, { examId: 9 });
    const banner = await screen.findByTestId("error-banner");
    expect(banner).toHaveTextContent("no exam 9");
    fail = false;
    await fireEvent.click(within(banner).getByRole("button", { name: "Retry" }));
    expect(await screen.findByTestId("exam-report-verdict")).toHaveTextContent("PASS");
    expect(screen.getByTestId("exam-report-percent")).toHaveTextContent("80%");
  });
});
