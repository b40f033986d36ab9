import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import Dashboard from "./Dashboard.svelte";
import { clone, fixtures, mockBackend } from "../test/backend";

describe("Dashboard", () => {
  it("shows readiness per domain as a chart, overall, counts and recent attempts", async () => {
    const lessons = clone(fixtures.lessonsList);
    lessons[1]!.status = "read";
    mockBackend({ list_lessons: () => lessons });
    render(Dashboard);

    const chart = await screen.findByTestId("readiness-chart");
    for (const d of fixtures.progress.domains) {
      expect(within(chart as unknown as HTMLElement).getByTestId(`domain-${d.id}`)).toBeInTheDocument();
    }
    const hardening = screen.getByTestId("domain-cluster-hardening");
    expect(hardening).toHaveTextContent("Cluster Hardening");
    const score = fixtures.progress.domains.find((d) => d.id === "cluster-hardening")!.score;
    expect(hardening).toHaveTextContent(`${Math.round(score * 100)}%`);

    expect(screen.getByTestId("overall")).toHaveTextContent("4%");
    expect(screen.getByTestId("lessons-read")).toHaveTextContent(`1 / ${lessons.length}`);
    expect(screen.getByTestId("labs-passed")).toHaveTextContent(`1 / ${fixtures.labsList.labs.length}`);

    const recent = screen.getByTestId("recent-attempts");
    expect(within(recent).getByText(/Give a workload its own ServiceAccount/)).toHaveAttribute(
      "href",
      "#/lab/sa-disable-automount",
    );
    // The unpassed lab is the one to continue.
    expect(screen.getByTestId("continue-link")).toHaveAttribute("href", "#/lab/netpol-and-or-selectors");

    const rbac = screen.getByTestId("competency-ch.service-accounts");
    expect(rbac).toHaveTextContent("1/");
  });

  it("shows an empty state when nothing was graded yet", async () => {
    mockBackend({ progress: () => clone(fixtures.progressEmpty) });
    render(Dashboard);
    expect(await screen.findByText("No progress yet")).toBeInTheDocument();
    expect(screen.getByTestId("overall")).toHaveTextContent("0%");
  });

  it("shows an empty state when there are no labs", async () => {
    mockBackend({ progress: () => clone(fixtures.progressEmpty), list_labs: () => ({ labs: [], invalid: [] }) });
    render(Dashboard);
    expect(await screen.findByText("No labs found")).toBeInTheDocument();
  });

  it("shows a readable error banner with a retry when progress fails", async () => {
    let fail = true;
    mockBackend({
      progress: () => {
        if (fail) throw { code: "store", message: "database is locked" };
        return clone(fixtures.progress);
      },
    });
    render(Dashboard);
    const banner = await screen.findByTestId("error-banner");
    expect(banner).toHaveTextContent("database is locked");
    expect(banner).toHaveTextContent(/data folder/);
    fail = false;
    within(banner).getByRole("button", { name: "Retry" }).click();
    expect(await screen.findByTestId("readiness-chart")).toBeInTheDocument();
    expect(screen.queryByTestId("error-banner")).not.toBeInTheDocument();
  });

  it("fetches progress again every time it is shown", async () => {
    const calls = mockBackend();
    const first = render(Dashboard);
    await screen.findByTestId("readiness-chart");
    first.unmount();
    render(Dashboard);
    await screen.findByTestId("readiness-chart");
    expect(calls.filter((c) => c.cmd === "progress")).toHaveLength(2);
  });

  it("uses readiness with its explanation when the backend sends them", async () => {
    const report = clone(fixtures.progressReadiness);
    const setup = report.domains.find((d) => d.id === "cluster-setup")!;
    setup.readiness = 0.62;
    setup.explanation = "mean of 5 competencies";
    const np = setup.competencies.find((c) => c.id === "cs.network-policies")!;
    np.readiness = 0.8;
    np.explanation = "best lab 80% (hint −10%), quiz 3/4, lesson read";
    report.readiness = 0.55;
    mockBackend({ progress: () => report });
    render(Dashboard);
    expect(await screen.findByTestId("overall")).toHaveTextContent("55%");

    // The chart bar and its tooltip use readiness, not the older score (0% here).
    const bar = await screen.findByTestId("domain-cluster-setup");
    expect(bar).toHaveTextContent("62%");
    expect(bar.querySelector("title")).toHaveTextContent("mean of 5 competencies");
    expect(screen.getByTestId("domain-heading-cluster-setup")).toHaveTextContent("62%");
    expect(screen.getByTestId("domain-explanation-cluster-setup")).toHaveTextContent("mean of 5 competencies");

    const row = screen.getByTestId("competency-cs.network-policies");
    expect(row).toHaveTextContent("80%");
    expect(within(row).getByTestId("competency-explanation-cs.network-policies")).toHaveTextContent(
      "best lab 80% (hint −10%), quiz 3/4, lesson read",
    );
    expect(row.querySelector(".meter-fill")).toHaveStyle({ width: "80%" });
  });

  it("falls back to the score without readiness and hides Practise next without suggestions", async () => {
    mockBackend();
    render(Dashboard);
    const np = await screen.findByTestId("competency-cs.network-policies");
    expect(np).toHaveTextContent("0%");
    expect(screen.queryByTestId("competency-explanation-cs.network-policies")).not.toBeInTheDocument();
    expect(screen.queryByTestId("practise-next")).not.toBeInTheDocument();
  });

  it("lists suggestions under Practise next with links to the lab and the lesson", async () => {
    mockBackend({ progress: () => clone(fixtures.progressReadiness) });
    render(Dashboard);
    const card = await screen.findByTestId("practise-next");
    const first = within(card).getByTestId("suggestion-cs.network-policies");
    expect(first).toHaveTextContent("your latest netpol attempt did not pass");
    expect(within(first).getByTestId("suggestion-lab")).toHaveAttribute("href", "#/lab/netpol-and-or-selectors");
    expect(within(first).getByTestId("suggestion-lesson")).toHaveAttribute("href", "#/lesson/network-policies");
    const second = within(card).getByTestId("suggestion-cs.cis-benchmark");
    expect(within(second).queryByTestId("suggestion-lab")).toBeNull();
    expect(within(second).getByTestId("suggestion-lesson")).toHaveAttribute("href", "#/lesson/cis-benchmark");
  });

  it("shows the mock exam history: a report link per exam with its percent and verdict", async () => {
    mockBackend();
    render(Dashboard);
    const card = await screen.findByTestId("exams-card");
    const latest = await within(card).findByTestId("exam-history-3");
    expect(latest).toHaveTextContent("43%");
    expect(latest).toHaveTextContent("FAIL");
    expect(within(latest).getByTestId("exam-history-link")).toHaveAttribute("href", "#/exam/3/report");
    expect(within(card).getByTestId("exam-history-2")).toHaveTextContent("PASS");
    expect(screen.queryByTestId("exam-running-banner")).not.toBeInTheDocument();
  });

  it("offers to resume a running exam, and shows an empty state without exams", async () => {
    const view = clone(fixtures.examView);
    view.remainingSeconds = 3725;
    mockBackend({
      exam_history: () => [
        { examId: 3, title: view.title, startedAt: view.startedAt, status: "running", percent: null, passed: null },
      ],
      exam_current: () => view,
    });
    const first = render(Dashboard);
    const banner = await screen.findByTestId("exam-running-banner");
    expect(banner).toHaveTextContent("1:02:05 left");
    expect(within(banner).getByTestId("exam-resume-link")).toHaveAttribute("href", "#/exam/3/task/1");
    expect(within(await screen.findByTestId("exam-history-3")).getByTestId("exam-history-link")).toHaveAttribute(
      "href",
      "#/exam/3/task/1",
    );
    first.unmount();

    mockBackend({ exam_history: () => [] });
    render(Dashboard);
    const card = await screen.findByTestId("exams-card");
    expect(await within(card).findByText("No mock exams yet")).toBeInTheDocument();
    expect(within(card).getByRole("link", { name: "Start a mock exam" })).toHaveAttribute("href", "#/exam");
  });

  it("keeps the progress when the exam commands fail", async () => {
    mockBackend({
      exam_history: () => {
        throw { code: "ipc", message: "command exam_history not found" };
      },
    });
    render(Dashboard);
    expect(await screen.findByTestId("readiness-chart")).toBeInTheDocument();
    expect(await within(screen.getByTestId("exams-card")).findByTestId("error-banner")).toHaveTextContent(
      "command exam_history not found",
    );
  });
});

describe("Dashboard: setup banner", () => {
  it("points to Settings while tools are missing or there is no cluster", async () => {
    mockBackend();
    render(Dashboard);
    const banner = await screen.findByTestId("setup-banner");
    expect(banner).toHaveTextContent("Finish setting up to practise on a cluster → Settings");
    expect(within(banner).getByRole("link", { name: "Settings" })).toHaveAttribute("href", "#/settings");
  });

  it("shows when only the cluster is missing", async () => {
    mockBackend({ setup_plan: () => ({ ...clone(fixtures.setupDone), clusterExists: false }) });
    render(Dashboard);
    expect(await screen.findByTestId("setup-banner")).toBeInTheDocument();
  });

  it("is hidden once set up, and when the plan fails", async () => {
    const calls = mockBackend({ setup_plan: () => clone(fixtures.setupDone) });
    const first = render(Dashboard);
    await screen.findByTestId("readiness-chart");
    await waitFor(() => expect(calls.some((c) => c.cmd === "setup_plan")).toBe(true));
    expect(screen.queryByTestId("setup-banner")).not.toBeInTheDocument();
    first.unmount();

    const failing = mockBackend({
      setup_plan: () => {
        throw { code: "ipc", message: "command setup_plan not found" };
      },
    });
    render(Dashboard);
    expect(await screen.findByTestId("readiness-chart")).toBeInTheDocument();
    await waitFor(() => expect(failing.some((c) => c.cmd === "setup_plan")).toBe(true));
    expect(screen.queryByTestId("setup-banner")).not.toBeInTheDocument();
    expect(screen.queryByTestId("error-banner")).not.toBeInTheDocument();
  });

  it("remembers a dismissal", async () => {
    mockBackend();
    const first = render(Dashboard);
    await fireEvent.click(within(await screen.findByTestId("setup-banner")).getByRole("button", { name: /Dismiss/ }));
    expect(screen.queryByTestId("setup-banner")).not.toBeInTheDocument();
    first.unmount();

    const calls = mockBackend();
    render(Dashboard);
    await screen.findByTestId("readiness-chart");
    expect(screen.queryByTestId("setup-banner")).not.toBeInTheDocument();
    expect(calls.some((c) => c.cmd === "setup_plan")).toBe(false);
  });
});
