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

describe("Settings: first-run setup", () => {
  it("lists each missing tool with why and its install command, and says lessons work without it", async () => {
    mockBackend();
    render(Settings);
    const section = screen.getByTestId("setup-section");
    expect(section).toHaveTextContent("Lessons, grading the labs' practice snapshots, the policy playground and quizzes work without any of this");
    const missing = await screen.findByTestId("setup-missing");
    const kind = within(missing).getByTestId("setup-missing-kind");
    expect(kind).toHaveTextContent("creates the practice cluster");
    const cmd = within(kind).getByTestId("setup-install-kind");
    expect(cmd.tagName).toBe("CODE");
    expect(cmd.textContent).toBe(fixtures.setupPlan.missing[0]!.install);
    expect(within(missing).getByTestId("setup-install-kubectl")).toHaveTextContent("sudo snap install kubectl --classic");
    expect(section).toHaveTextContent("ubuntu");
    // Images: the count, and the list behind a collapsible.
    const list = screen.getByTestId("setup-images-list");
    expect(list.tagName).toBe("DETAILS");
    expect(list).toHaveTextContent("3 images the labs run");
    expect(list).toHaveTextContent("registry.k8s.io/pause:3.10");
    expect(screen.getByTestId("setup-step-host")).toHaveTextContent("AppArmor is not enabled");
  });

  it("says all tools are installed and the cluster exists when they do", async () => {
    mockBackend({ setup_plan: () => clone(fixtures.setupDone), cluster_status: () => clone(fixtures.clusterReady) });
    render(Settings);
    expect(await screen.findByTestId("setup-tools-ok")).toHaveTextContent("All installed (container engine: docker)");
    expect(screen.queryByTestId("setup-missing")).not.toBeInTheDocument();
    expect(await screen.findByTestId("setup-cluster-ok")).toBeInTheDocument();
    expect(screen.queryByTestId("setup-cluster-create")).not.toBeInTheDocument();
    expect(screen.getByTestId("setup-host-ok")).toBeInTheDocument();
  });

  it("creates the cluster from the setup step with the Cluster section's logic", async () => {
    const created = later<ClusterStatus>();
    let channel: unknown;
    const calls = mockBackend({
      cluster_create: (a) => {
        channel = a?.onEvent;
        return created.promise;
      },
    });
    render(Settings);
    await waitFor(() => expect(screen.getByTestId("setup-cluster-create")).toBeEnabled());
    await fireEvent.click(screen.getByTestId("setup-cluster-create"));
    expect(screen.getByTestId("cluster-create")).toHaveTextContent("Creating…");
    send(channel, { kind: "line", text: " ✓ Preparing nodes" });
    expect(await screen.findByTestId("setup-cluster-progress")).toHaveTextContent("Preparing nodes");
    expect(screen.getByTestId("cluster-log")).toHaveTextContent("Preparing nodes");
    created.resolve(clone(fixtures.clusterReady));
    expect(await screen.findByTestId("setup-cluster-ok")).toBeInTheDocument();
    expect(of(calls, "cluster_create")).toHaveLength(1);
  });

  it("pulls images, streaming lines, and shows how many were pulled and already present", async () => {
    const pulled = later<{ done: number; skipped: number }>();
    let channel: unknown;
    const calls = mockBackend({
      images_pull: (a) => {
        channel = a?.onEvent;
        return pulled.promise;
      },
    });
    render(Settings);
    const pull = await screen.findByTestId("setup-images-pull");
    await fireEvent.click(pull);
    expect(pull).toHaveTextContent("Pulling…");
    expect(pull).toBeDisabled();
    send(channel, { kind: "line", text: "pulling docker.io/library/nginx:1.27" });
    send(channel, { kind: "line", text: "present docker.io/library/redis:7.4" });
    await waitFor(() =>
      expect(screen.getByTestId("setup-images-log").textContent).toBe(
        "pulling docker.io/library/nginx:1.27\npresent docker.io/library/redis:7.4",
      ),
    );
    pulled.resolve({ done: 2, skipped: 1 });
    expect(await screen.findByTestId("setup-images-result")).toHaveTextContent("2 pulled, 1 already present.");
    expect(pull).toBeEnabled();
    expect(of(calls, "images_pull")).toHaveLength(1);
  });

  it("loads images only once the cluster exists", async () => {
    mockBackend();
    const first = render(Settings);
    await screen.findByTestId("cluster-status");
    expect(screen.getByTestId("setup-images-load")).toBeDisabled();
    first.unmount();

    const calls = mockBackend({
      cluster_status: () => clone(fixtures.clusterReady),
      images_load: (a) => {
        send(a?.onEvent, { kind: "line", text: "loading 3 images into cks" });
        return { done: 3, skipped: 0 };
      },
    });
    render(Settings);
    await waitFor(() => expect(screen.getByTestId("setup-images-load")).toBeEnabled());
    await fireEvent.click(screen.getByTestId("setup-images-load"));
    expect(await screen.findByTestId("setup-images-result")).toHaveTextContent("3 loaded into the cluster.");
    expect(screen.getByTestId("setup-images-log")).toHaveTextContent("loading 3 images into cks");
    expect(of(calls, "images_load")).toHaveLength(1);
  });

  it("shows an images error with what to do, and retry resumes the pull", async () => {
    let fail = true;
    const calls = mockBackend({
      images_pull: (a) => {
        send(a?.onEvent, { kind: "line", text: "pulling docker.io/library/nginx:1.27" });
        if (fail) throw { code: "images", message: "no space left on device: free some disk space, then retry" };
        return { done: 1, skipped: 2 };
      },
    });
    render(Settings);
    await fireEvent.click(await screen.findByTestId("setup-images-pull"));
    const step = screen.getByTestId("setup-step-images");
    const banner = await within(step).findByTestId("error-banner");
    expect(banner).toHaveTextContent("(images)");
    expect(banner).toHaveTextContent("no space left on device: free some disk space, then retry");
    expect(banner).toHaveTextContent("a retry resumes");
    expect(screen.getByTestId("setup-images-log")).toHaveTextContent("pulling docker.io/library/nginx:1.27");
    expect(screen.queryByTestId("setup-images-result")).not.toBeInTheDocument();
    fail = false;
    await fireEvent.click(within(banner).getByRole("button", { name: "Retry" }));
    expect(await screen.findByTestId("setup-images-result")).toHaveTextContent("1 pulled, 2 already present.");
    expect(within(step).queryByTestId("error-banner")).not.toBeInTheDocument();
    expect(of(calls, "images_pull")).toHaveLength(2);
  });

  it("lists add-ons with what they unlock; installs automated ones and shows by-hand steps for the rest", async () => {
    const calls = mockBackend({
      cluster_status: () => clone(fixtures.clusterReady),
      addon_install: (a) => {
        send(a?.onEvent, { kind: "line", text: "downloading gatekeeper.yaml (sha256 verified)" });
        send(a?.onEvent, { kind: "line", text: "deployment.apps/gatekeeper-controller-manager created" });
        return { ...clone(fixtures.addons[0]!), installed: true };
      },
    });
    render(Settings);
    const gk = await screen.findByTestId("setup-addon-gatekeeper");
    expect(gk).toHaveTextContent("v3.18.2");
    expect(within(gk).getByRole("link", { name: "gatekeeper-required-labels" })).toHaveAttribute("href", "#/lab/gatekeeper-required-labels");
    expect(within(gk).getByRole("link", { name: "gatekeeper-allowed-repos" })).toHaveAttribute("href", "#/lab/gatekeeper-allowed-repos");

    const falco = screen.getByTestId("setup-addon-falco");
    expect(falco).toHaveTextContent("by hand: helm install falco falcosecurity/falco");
    expect(falco).toHaveTextContent("kernel BTF");
    expect(screen.queryByTestId("setup-addon-install-falco")).not.toBeInTheDocument();

    const ms = screen.getByTestId("setup-addon-metrics-server");
    expect(ms).toHaveTextContent("installed");
    expect(screen.queryByTestId("setup-addon-install-metrics-server")).not.toBeInTheDocument();
    expect(screen.getByTestId("setup-step-addons")).toHaveTextContent("1 of 3 installed");

    const install = screen.getByTestId("setup-addon-install-gatekeeper");
    await waitFor(() => expect(install).toBeEnabled());
    await fireEvent.click(install);
    await waitFor(() => expect(within(gk).getByText("installed")).toBeInTheDocument());
    expect(screen.queryByTestId("setup-addon-install-gatekeeper")).not.toBeInTheDocument();
    expect(screen.getByTestId("setup-addon-log").textContent).toBe(
      "downloading gatekeeper.yaml (sha256 verified)\ndeployment.apps/gatekeeper-controller-manager created",
    );
    expect(screen.getByTestId("setup-step-addons")).toHaveTextContent("2 of 3 installed");
    expect(of(calls, "addon_install")).toEqual([{ name: "gatekeeper", onEvent: expect.anything() }]);
  });

  it("shows a failed add-on install readably and cannot install without a cluster", async () => {
    mockBackend();
    const first = render(Settings);
    await screen.findByTestId("cluster-status");
    expect(screen.getByTestId("setup-addon-install-gatekeeper")).toBeDisabled();
    first.unmount();

    mockBackend({
      cluster_status: () => clone(fixtures.clusterReady),
      addon_install: () => {
        throw { code: "addon", message: "gatekeeper.yaml: checksum mismatch (expected 0f3a…, got 9b1c…)" };
      },
    });
    render(Settings);
    const install = await screen.findByTestId("setup-addon-install-gatekeeper");
    await waitFor(() => expect(install).toBeEnabled());
    await fireEvent.click(install);
    const banner = await within(screen.getByTestId("setup-step-addons")).findByTestId("error-banner");
    expect(banner).toHaveTextContent("checksum mismatch");
    expect(install).toBeEnabled();
  });

  it("shows why the plan could not be made, and the rest of Settings still works", async () => {
    mockBackend({
      setup_plan: () => {
        throw { code: "ipc", message: "command setup_plan not found" };
      },
    });
    render(Settings);
    const banner = await within(screen.getByTestId("setup-section")).findByTestId("error-banner");
    expect(banner).toHaveTextContent("command setup_plan not found");
    expect(await screen.findByTestId("cluster-status")).toBeInTheDocument();
  });
});
