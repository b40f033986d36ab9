import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import Settings from "./Settings.svelte";
import { clone, fixtures, mockBackend, send } from "../test/backend";
import type { ClusterStatus } from "../lib/types";

const of = (calls: { cmd: string; args: unknown }[], cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.args);

function later<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("Settings: cluster", () => {
  it("shows the cluster's state and why it is not usable", async () => {
    mockBackend();
    render(Settings);
    const status = await screen.findByTestId("cluster-status");
    expect(within(status).getByTestId("cluster-state")).toHaveTextContent("not created");
    expect(status).toHaveTextContent("docker");
    expect(status).toHaveTextContent("/home/learner/.local/share/ckslab/kubeconfig");
    expect(screen.getByTestId("cluster-message")).toHaveTextContent("no cluster named cks yet");
    expect(screen.getByTestId("cluster-create")).toBeEnabled();
    expect(screen.queryByTestId("cluster-delete")).not.toBeInTheDocument();
  });

  it("cannot create without a container engine", async () => {
    mockBackend({
      cluster_status: () => ({ ...clone(fixtures.clusterNone), engine: null, message: "docker is not installed: see Doctor" }),
    });
    render(Settings);
    expect(await screen.findByTestId("cluster-message")).toHaveTextContent("docker is not installed");
    expect(screen.getByTestId("cluster-create")).toBeDisabled();
  });

  it("creates the cluster, streaming kind's output into the log", async () => {
    const created = later<ClusterStatus>();
    let channel: unknown;
    const calls = mockBackend({
      cluster_create: (a) => {
        channel = a?.onEvent;
        return created.promise;
      },
    });
    render(Settings);
    await fireEvent.click(await screen.findByTestId("cluster-create"));
    expect(screen.getByTestId("cluster-create")).toHaveTextContent("Creating…");
    expect(screen.getByTestId("cluster-create")).toBeDisabled();
    send(channel, { kind: "line", text: 'Creating cluster "cks" ...' });
    send(channel, { kind: "line", text: " ✓ Ensuring node image (kindest/node:v1.33.1)" });
    await waitFor(() =>
      expect(screen.getByTestId("cluster-log").textContent).toBe(
        'Creating cluster "cks" ...\n ✓ Ensuring node image (kindest/node:v1.33.1)',
      ),
    );
    created.resolve(clone(fixtures.clusterReady));
    await waitFor(() => expect(screen.getByTestId("cluster-state")).toHaveTextContent("ready"));
    expect(screen.getByTestId("cluster-status")).toHaveTextContent("cks-control-plane, cks-worker");
    expect(screen.getByTestId("cluster-delete")).toBeInTheDocument();
    expect(of(calls, "cluster_create")).toHaveLength(1);
  });

  it("shows a failed create readably and keeps the log", async () => {
    mockBackend({
      cluster_create: (a) => {
        send(a?.onEvent, { kind: "line", text: "ERROR: failed to create cluster: port 6443 in use" });
        throw { code: "cluster", message: "kind create cluster failed (exit 1)" };
      },
    });
    render(Settings);
    await fireEvent.click(await screen.findByTestId("cluster-create"));
    const banner = await screen.findByTestId("error-banner");
    expect(banner).toHaveTextContent("kind create cluster failed (exit 1)");
    expect(banner).toHaveTextContent("docker or podman is running");
    expect(screen.getByTestId("cluster-log")).toHaveTextContent("port 6443 in use");
    expect(screen.getByTestId("cluster-create")).toBeEnabled();
  });

  it("deletes the cluster only after confirmation", async () => {
    const calls = mockBackend({
      cluster_status: () => clone(fixtures.clusterReady),
      cluster_delete: () => clone(fixtures.clusterNone),
    });
    render(Settings);
    await fireEvent.click(await screen.findByTestId("cluster-delete"));
    expect(screen.getByTestId("cluster-delete-confirm")).toHaveTextContent("Delete the cluster cks?");
    await fireEvent.click(screen.getByTestId("cluster-delete-cancel"));
    expect(of(calls, "cluster_delete")).toEqual([]);
    await fireEvent.click(screen.getByTestId("cluster-delete"));
    await fireEvent.click(screen.getByTestId("cluster-delete-yes"));
    await waitFor(() => expect(screen.getByTestId("cluster-state")).toHaveTextContent("not created"));
    expect(of(calls, "cluster_delete")).toHaveLength(1);
  });

  it("explains a cluster it does not own", async () => {
    mockBackend({
      cluster_status: () => clone(fixtures.clusterReady),
      cluster_delete: () => {
        throw { code: "not-owned", message: "cluster cks was not created by ckslab" };
      },
    });
    render(Settings);
    await fireEvent.click(await screen.findByTestId("cluster-delete"));
    await fireEvent.click(screen.getByTestId("cluster-delete-yes"));
    const banner = await screen.findByTestId("error-banner");
    expect(banner).toHaveTextContent("not created by ckslab");
    expect(banner).toHaveTextContent("will not change it");
  });
});

describe("Settings: data", () => {
  it("exports to the chosen path and says what was written", async () => {
    const calls = mockBackend({
      "plugin:dialog|save": () => "/home/learner/ckslab-progress.json",
      export_data: (a) => ({ path: a?.path, attempts: 12, lessonsRead: 1 }),
    });
    render(Settings);
    await fireEvent.click(screen.getByTestId("export-button"));
    expect(await screen.findByTestId("export-result")).toHaveTextContent(
      "Exported 12 attempts and 1 lesson read to /home/learner/ckslab-progress.json.",
    );
    expect(of(calls, "export_data")).toEqual([{ path: "/home/learner/ckslab-progress.json" }]);
  });

  it("does nothing when the dialog is cancelled", async () => {
    const calls = mockBackend({ "plugin:dialog|save": () => null, "plugin:dialog|open": () => null });
    render(Settings);
    await fireEvent.click(screen.getByTestId("export-button"));
    await fireEvent.click(screen.getByTestId("import-button"));
    await waitFor(() => expect(of(calls, "plugin:dialog|open")).toHaveLength(1));
    expect(of(calls, "export_data")).toEqual([]);
    expect(of(calls, "import_data")).toEqual([]);
    expect(screen.queryByTestId("export-result")).not.toBeInTheDocument();
    expect(screen.queryByTestId("error-banner")).not.toBeInTheDocument();
  });

  it("imports the chosen file and summarises it", async () => {
    const calls = mockBackend({
      "plugin:dialog|open": () => "/media/usb/ckslab-progress.json",
      import_data: () => ({ attemptsAdded: 5, attemptsSkipped: 2, gradesAdded: 4 }),
    });
    render(Settings);
    await fireEvent.click(screen.getByTestId("import-button"));
    expect(await screen.findByTestId("import-result")).toHaveTextContent(
      "Imported 5 attempts and 4 grades; skipped 2 attempts already here.",
    );
    expect(of(calls, "import_data")).toEqual([{ path: "/media/usb/ckslab-progress.json" }]);
  });

  it("shows why an import was refused", async () => {
    mockBackend({
      "plugin:dialog|open": () => "/tmp/other.json",
      import_data: () => {
        throw { code: "import", message: "attempts[0].labId: missing\nversion: expected 1" };
      },
    });
    render(Settings);
    await fireEvent.click(screen.getByTestId("import-button"));
    const banner = await screen.findByTestId("error-banner");
    expect(banner).toHaveTextContent("attempts[0].labId: missing");
    expect(banner).toHaveTextContent("Pick a file that CKS Lab exported");
    expect(screen.queryByTestId("import-result")).not.toBeInTheDocument();
  });
});
