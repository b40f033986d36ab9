import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
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
});
