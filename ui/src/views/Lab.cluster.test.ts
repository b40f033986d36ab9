import { beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import Lab from "./Lab.svelte";
import { clone, fixtures, mockBackend, send } from "../test/backend";
import { Terminal as FakeTerm, resetFakeXterm } from "../test/fakeXterm";
import type { AttemptView } from "../lib/types";

vi.mock("@xterm/xterm", () => import("../test/fakeXterm"));
vi.mock("@xterm/addon-fit", () => import("../test/fakeXterm"));

const ID = "netpol-and-or-selectors";
const of = (calls: { cmd: string; args: unknown }[], cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.args);

/** A promise a test resolves when it wants. */
function later<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("Lab workspace: the cluster panel", () => {
  beforeEach(() => resetFakeXterm());

  it("without a cluster: explains, links to Settings, opens no terminal, and snapshot grading still works", async () => {
    const calls = mockBackend();
    render(Lab, { id: ID });
    const none = await screen.findByTestId("no-cluster");
    expect(none).toHaveTextContent("no cluster named cks yet: create it in Settings");
    expect(within(none).getByRole("link", { name: "Settings → Cluster" })).toHaveAttribute("href", "#/settings");
    expect(screen.queryByTestId("start-button")).not.toBeInTheDocument();
    expect(screen.queryByTestId("terminal")).not.toBeInTheDocument();
    expect(screen.getByTestId("sample-note")).toBeInTheDocument();
    expect(of(calls, "active_attempt")).toEqual([{ id: ID }]);
    expect(of(calls, "terminal_open")).toEqual([]);

    await fireEvent.click(screen.getByTestId("grade-button"));
    expect(await within(screen.getByTestId("results")).findByTestId("outcome-db-ingress-allowlist")).toBeInTheDocument();
  });

  it("starts the lab: streams setup lines, then shows the attempt's task and seed", async () => {
    const start = later<AttemptView>();
    let channel: unknown;
    const calls = mockBackend({
      cluster_status: () => clone(fixtures.clusterReady),
      lab_start: (a) => {
        channel = a?.onEvent;
        return start.promise;
      },
    });
    render(Lab, { id: ID });
    expect(await screen.findByTestId("cluster-ready")).toHaveTextContent("2 nodes");
    expect(screen.getByTestId("live-grade-button")).toBeDisabled();

    await fireEvent.input(screen.getByTestId("seed-input"), { target: { value: "42" } });
    await fireEvent.click(screen.getByTestId("start-button"));
    expect(of(calls, "lab_start")[0]).toMatchObject({ id: ID, seed: "42" });
    expect(screen.getByTestId("start-button")).toHaveTextContent("Starting…");

    send(channel, { kind: "line", text: "namespace/payments-k3x created" });
    send(channel, { kind: "line", text: "deployment.apps/db created" });
    await waitFor(() =>
      expect(screen.getByTestId("setup-log").textContent).toBe("namespace/payments-k3x created\ndeployment.apps/db created"),
    );
    // Still the sample task while setting up.
    expect(screen.getByTestId("lab-task")).not.toHaveTextContent("payments-k3x");

    start.resolve(clone(fixtures.attempt));
    await waitFor(() => expect(screen.getByTestId("lab-task")).toHaveTextContent("payments-k3x"));
    expect(screen.getByTestId("lab-task").querySelector("strong code")).toHaveTextContent("payments-k3x");
    expect(screen.getByTestId("attempt-seed")).toHaveTextContent("18446744073709551557");
    expect(screen.getByTestId("attempt-info")).toHaveTextContent("attempt #7");
    expect(screen.queryByTestId("sample-note")).not.toBeInTheDocument();
    expect(screen.getByTestId("live-grade-button")).toBeEnabled();
    expect(screen.getByTestId("start-button")).toHaveTextContent("Start again");
  });

  it("uses the returned log when no line was streamed, and sends a null seed when none is given", async () => {
    const calls = mockBackend({
      cluster_status: () => clone(fixtures.clusterReady),
      lab_start: () => clone(fixtures.attempt),
    });
    render(Lab, { id: ID });
    await fireEvent.click(await screen.findByTestId("start-button"));
    expect(await screen.findByTestId("attempt-seed")).toBeInTheDocument();
    expect(of(calls, "lab_start")[0]).toMatchObject({ id: ID, seed: null });
    expect(screen.getByTestId("setup-log")).toHaveTextContent("deployment.apps/db created");
  });

  it("refuses a seed that is not a number", async () => {
    const calls = mockBackend({ cluster_status: () => clone(fixtures.clusterReady) });
    render(Lab, { id: ID });
    await fireEvent.input(await screen.findByTestId("seed-input"), { target: { value: "abc" } });
    await fireEvent.click(screen.getByTestId("start-button"));
    expect(await screen.findByTestId("error-banner")).toHaveTextContent("digits only");
    expect(of(calls, "lab_start")).toEqual([]);
  });

  it("picks up the attempt in progress on load and grades it on the cluster", async () => {
    const attempt = { ...clone(fixtures.attempt), log: [] };
    const calls = mockBackend({
      cluster_status: () => clone(fixtures.clusterReady),
      active_attempt: () => attempt,
      lab_grade: () => clone(fixtures.gradeNetpol),
    });
    render(Lab, { id: ID });
    expect(await screen.findByTestId("attempt-seed")).toHaveTextContent("18446744073709551557");
    expect(screen.getByTestId("lab-task")).toHaveTextContent("payments-k3x");

    await fireEvent.click(screen.getByTestId("live-grade-button"));
    const live = screen.getByTestId("live-results");
    const outcome = await within(live).findByTestId("outcome-db-ingress-allowlist");
    expect(within(outcome).getByTestId("status")).toHaveTextContent("FAIL");
    expect(within(live).getByTestId("score")).toHaveTextContent("0 / 4 points");
    expect(live).toHaveTextContent("graded on the cluster");
    expect(of(calls, "lab_grade")).toEqual([{ id: ID }]);
    // The snapshot results stay separate.
    expect(screen.getByTestId("results")).toBeEmptyDOMElement();
  });

  it("shows a grading failure readably", async () => {
    mockBackend({
      cluster_status: () => clone(fixtures.clusterReady),
      active_attempt: () => clone(fixtures.attempt),
      lab_grade: () => {
        throw { code: "live-grade", message: "kubectl: the server is currently unable to handle the request" };
      },
    });
    render(Lab, { id: ID });
    await fireEvent.click(await screen.findByTestId("live-grade-button"));
    const banner = await screen.findByTestId("error-banner");
    expect(banner).toHaveTextContent("unable to handle the request");
    expect(banner).toHaveTextContent("Settings → Cluster");
  });

  it("resets only after confirmation, streaming what it deletes", async () => {
    const calls = mockBackend({
      cluster_status: () => clone(fixtures.clusterReady),
      active_attempt: () => clone(fixtures.attempt),
      lab_reset: (a) => {
        send(a?.onEvent, { kind: "line", text: 'namespace "payments-k3x" deleted' });
        return { deleted: 3 };
      },
    });
    render(Lab, { id: ID });
    await fireEvent.click(await screen.findByTestId("reset-button"));
    expect(screen.getByTestId("reset-confirm")).toHaveTextContent("Delete everything this lab created");
    await fireEvent.click(screen.getByTestId("reset-cancel"));
    expect(screen.queryByTestId("reset-confirm")).not.toBeInTheDocument();
    expect(of(calls, "lab_reset")).toEqual([]);

    await fireEvent.click(screen.getByTestId("reset-button"));
    await fireEvent.click(screen.getByTestId("reset-yes"));
    expect(await screen.findByTestId("reset-done")).toHaveTextContent("deleted 3 objects");
    expect(screen.getByTestId("setup-log")).toHaveTextContent('namespace "payments-k3x" deleted');
    expect(of(calls, "lab_reset")).toHaveLength(1);
    expect(of(calls, "lab_reset")[0]).toMatchObject({ id: ID });
    // Back to the sample task.
    expect(screen.queryByTestId("attempt-seed")).not.toBeInTheDocument();
    expect(screen.getByTestId("lab-task")).toHaveTextContent("Restrict who can reach the database");
  });

  it("explains a start without a cluster kubeconfig", async () => {
    mockBackend({
      cluster_status: () => clone(fixtures.clusterReady),
      lab_start: () => {
        throw { code: "no-cluster", message: "no kubeconfig at /home/learner/.local/share/ckslab/kubeconfig" };
      },
    });
    render(Lab, { id: ID });
    await fireEvent.click(await screen.findByTestId("start-button"));
    const banner = await screen.findByTestId("error-banner");
    expect(banner).toHaveTextContent("no kubeconfig");
    expect(banner).toHaveTextContent("create it in Settings → Cluster");
    expect(screen.getByTestId("start-button")).toBeEnabled();
  });

  it("opens a terminal below the task and switches between the local shell and nodes", async () => {
    const calls = mockBackend({
      cluster_status: () => clone(fixtures.clusterReady),
      terminal_open: () => ({ id: of(calls, "terminal_open").length, title: "bash" }),
    });
    render(Lab, { id: ID });
    const select = (await screen.findByTestId("terminal-target")) as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent?.trim())).toEqual([
      "Local shell (kubectl on the cluster)",
      "Node cks-control-plane",
      "Node cks-worker",
    ]);
    await waitFor(() => expect(of(calls, "terminal_open")).toHaveLength(1));
    expect(of(calls, "terminal_open")[0]).toMatchObject({ target: { kind: "local" } });
    await waitFor(() => expect(screen.getByTestId("terminal-status")).toHaveTextContent("F6"));

    await fireEvent.change(select, { target: { value: "node:cks-worker" } });
    await waitFor(() => expect(of(calls, "terminal_open")).toHaveLength(2));
    expect(of(calls, "terminal_open")[1]).toMatchObject({ target: { kind: "node", node: "cks-worker" } });
    expect(of(calls, "terminal_close")).toEqual([{ id: 1 }]);
    expect(FakeTerm.instances[0]!.disposed).toBe(true);
  });

  it("opens a check's doc link in the system browser, never in the app's webview", async () => {
    const calls = mockBackend();
    render(Lab, { id: ID });
    await fireEvent.click(await screen.findByTestId("grade-button"));
    const outcome = await screen.findByTestId("outcome-db-ingress-allowlist");
    const link = within(outcome).getByRole("link");
    const href = link.getAttribute("href")!;
    expect(href).toMatch(/^https:\/\//);
    const click = new MouseEvent("click", { bubbles: true, cancelable: true });
    link.dispatchEvent(click);
    expect(click.defaultPrevented).toBe(true);
    await waitFor(() => expect(of(calls, "plugin:opener|open_url")).toEqual([{ url: href }]));
  });
});
