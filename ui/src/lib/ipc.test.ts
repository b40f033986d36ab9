import { describe, expect, it } from "vitest";
import * as ipc from "./ipc";
import { IpcError, toIpcError } from "./ipc";
import { Channel } from "@tauri-apps/api/core";
import { fixtures, mockBackend, send } from "../test/backend";
import type { AuthorReport } from "./types";

describe("ipc", () => {
  it("calls each command by its Rust name with the argument names Rust expects", async () => {
    const calls = mockBackend();
    await ipc.appInfo();
    await ipc.curriculum();
    await ipc.listLessons();
    await ipc.getLesson("network-policies");
    await ipc.listLabs();
    await ipc.getLab("netpol-and-or-selectors");
    await ipc.listFixtures("netpol-and-or-selectors");
    await ipc.gradeFixture("netpol-and-or-selectors", "fixtures/broken");
    await ipc.progress();
    await ipc.doctor();
    await ipc.revealHint("netpol-and-or-selectors");
    await ipc.showSolution("netpol-and-or-selectors");
    expect(calls.map((c) => [c.cmd, c.args ?? {}])).toEqual([
      ["app_info", {}],
      ["curriculum", {}],
      ["list_lessons", {}],
      ["get_lesson", { id: "network-policies" }],
      ["list_labs", {}],
      ["get_lab", { id: "netpol-and-or-selectors" }],
      ["list_fixtures", { id: "netpol-and-or-selectors" }],
      ["grade_fixture", { id: "netpol-and-or-selectors", fixture: "fixtures/broken" }],
      ["progress", {}],
      ["doctor", {}],
      ["reveal_hint", { id: "netpol-and-or-selectors" }],
      ["show_solution", { id: "netpol-and-or-selectors" }],
    ]);
  });

  it("returns the backend's data unchanged", async () => {
    mockBackend();
    const lab = await ipc.getLab("netpol-and-or-selectors");
    expect(lab.checkList[0]?.id).toBe("db-ingress-allowlist");
    expect(lab.fixtures[0]).toEqual({ path: "fixtures/broken", kind: "broken" });
    expect(lab.fixtures[1]).toEqual({ path: "fixtures/solved", kind: "solved" });
    expect(await ipc.listFixtures("netpol-and-or-selectors")).toContain("fixtures/solved");
    const hint = await ipc.revealHint("netpol-and-or-selectors");
    expect(hint).toMatchObject({ number: 1, of: 3, totalPenalty: 1 });
    const report = await ipc.gradeFixture("netpol-and-or-selectors", "fixtures/broken");
    expect(report.outcomes.length).toBeGreaterThan(0);
  });

  it("turns a {code, message} rejection into an IpcError", async () => {
    mockBackend({
      get_lab: () => {
        throw { code: "lab-not-found", message: "no lab nope in /labs" };
      },
    });
    const err = await ipc.getLab("nope").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpcError);
    expect(err).toMatchObject({ code: "lab-not-found", message: "no lab nope in /labs" });
  });

  it("turns Tauri's plain-string rejections into an IpcError with code ipc", async () => {
    mockBackend({
      progress: () => {
        throw "command progress not allowed by ACL";
      },
    });
    const err = await ipc.progress().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpcError);
    expect(err).toMatchObject({ code: "ipc", message: "command progress not allowed by ACL" });
  });

  it("normalises anything else", () => {
    expect(toIpcError(new Error("boom"))).toMatchObject({ code: "ipc", message: "boom" });
    expect(toIpcError({ message: "no code" })).toMatchObject({ code: "unknown", message: "no code" });
    expect(toIpcError(42).code).toBe("unknown");
    expect(toIpcError(null).message).toMatch(/without saying why/);
    const e = new IpcError("x", "y");
    expect(toIpcError(e)).toBe(e);
  });
});

describe("ipc: cluster, live attempts, terminal, data, author", () => {
  it("calls the plain commands by their Rust names with the argument names Rust expects", async () => {
    const calls = mockBackend({
      cluster_delete: () => fixtures.clusterNone,
      lab_grade: () => fixtures.gradeSolved,
      export_data: (a) => ({ path: a?.path, attempts: 3, lessonsRead: 2 }),
      import_data: () => ({ attemptsAdded: 1, attemptsSkipped: 2, gradesAdded: 1 }),
      author_check: () => fixtures.authorReport,
    });
    expect(await ipc.clusterStatus()).toEqual(fixtures.clusterNone);
    expect(await ipc.clusterDelete()).toEqual(fixtures.clusterNone);
    expect(await ipc.activeAttempt("lab-a")).toBeNull();
    expect((await ipc.labGrade("lab-a")).grade.passed).toBe(true);
    expect(await ipc.terminalWrite(3, "ls\r")).toBeNull();
    await ipc.terminalResize(3, 120, 40);
    await ipc.terminalClose(3);
    expect(await ipc.exportData("/tmp/p.json")).toEqual({ path: "/tmp/p.json", attempts: 3, lessonsRead: 2 });
    expect(await ipc.importData("/tmp/p.json")).toMatchObject({ attemptsAdded: 1, attemptsSkipped: 2 });
    expect((await ipc.authorCheck("/labs")).labs).toHaveLength(2);
    await ipc.authorUnwatch(9);
    expect(calls.map((c) => [c.cmd, c.args ?? {}])).toEqual([
      ["cluster_status", {}],
      ["cluster_delete", {}],
      ["active_attempt", { id: "lab-a" }],
      ["lab_grade", { id: "lab-a" }],
      ["terminal_write", { id: 3, data: "ls\r" }],
      ["terminal_resize", { id: 3, cols: 120, rows: 40 }],
      ["terminal_close", { id: 3 }],
      ["export_data", { path: "/tmp/p.json" }],
      ["import_data", { path: "/tmp/p.json" }],
      ["author_check", { path: "/labs" }],
      ["author_unwatch", { watchId: 9 }],
    ]);
  });

  it("streams progress lines of cluster_create, lab_start and lab_reset through a Channel", async () => {
    const calls = mockBackend({
      cluster_create: (a) => {
        send(a?.onEvent, { kind: "line", text: "Creating cluster \"cks\" ..." });
        send(a?.onEvent, { kind: "somethingNew", text: "ignored" });
        send(a?.onEvent, { kind: "line", text: " ✓ Ensuring node image" });
        return fixtures.clusterReady;
      },
      lab_start: (a) => {
        send(a?.onEvent, { kind: "line", text: "namespace/payments-k3x created" });
        return fixtures.attempt;
      },
      lab_reset: (a) => {
        send(a?.onEvent, { kind: "line", text: "namespace \"payments-k3x\" deleted" });
        return { deleted: 4 };
      },
    });
    const created: string[] = [];
    expect(await ipc.clusterCreate((l) => created.push(l))).toEqual(fixtures.clusterReady);
    expect(created).toEqual(['Creating cluster "cks" ...', " ✓ Ensuring node image"]);

    const started: string[] = [];
    const a = await ipc.labStart("netpol-and-or-selectors", "42", (l) => started.push(l));
    expect(a.seed).toBe("18446744073709551557");
    expect(started).toEqual(["namespace/payments-k3x created"]);

    const reset: string[] = [];
    expect(await ipc.labReset("netpol-and-or-selectors", (l) => reset.push(l))).toEqual({ deleted: 4 });
    expect(reset).toEqual(['namespace "payments-k3x" deleted']);

    expect(calls.map((c) => c.cmd)).toEqual(["cluster_create", "lab_start", "lab_reset"]);
    const start = calls[1]!.args!;
    expect(start.id).toBe("netpol-and-or-selectors");
    expect(start.seed).toBe("42");
    expect(start.onEvent).toBeInstanceOf(Channel);
    // A null seed is sent as null (Rust: Option<String>).
    await ipc.labStart("x", null, () => {});
    expect(calls[3]!.args).toMatchObject({ id: "x", seed: null });
  });

  it("opens a terminal: base64 output becomes bytes, exit comes with its code", async () => {
    let channel: unknown;
    const calls = mockBackend({
      terminal_open: (a) => {
        channel = a?.onEvent;
        return { id: 5, title: "cks-worker" };
      },
    });
    const out: Uint8Array[] = [];
    const exits: (number | null)[] = [];
    const s = await ipc.terminalOpen({ kind: "node", node: "cks-worker" }, 100, 30, {
      onOutput: (b) => out.push(b),
      onExit: (c) => exits.push(c),
    });
    expect(s).toEqual({ id: 5, title: "cks-worker" });
    expect(calls[0]!.args).toMatchObject({ target: { kind: "node", node: "cks-worker" }, cols: 100, rows: 30 });

    // "é" split across two chunks stays bytes: xterm joins them.
    const bytes = new TextEncoder().encode("root@cks-worker:/# é");
    const b64 = (u: Uint8Array) => btoa(String.fromCharCode(...u));
    send(channel, { kind: "output", data: b64(bytes.slice(0, -1)) });
    send(channel, { kind: "output", data: b64(bytes.slice(-1)) });
    expect(out).toHaveLength(2);
    expect(out[0]).toBeInstanceOf(Uint8Array);
    expect(out[1]).toEqual(new Uint8Array([0xa9]));
    expect(new TextDecoder().decode(new Uint8Array([...out[0]!, ...out[1]!]))).toBe("root@cks-worker:/# é");

    send(channel, { kind: "exit", code: 130 });
    send(channel, { kind: "exit", code: null });
    expect(exits).toEqual([130, null]);
  });

  it("normalises terminal output from base64 or a number array", () => {
    expect(ipc.outputBytes("aGk=")).toEqual(new Uint8Array([104, 105]));
    expect(ipc.outputBytes([0, 255, 10])).toEqual(new Uint8Array([0, 255, 10]));
    expect(ipc.outputBytes(undefined)).toEqual(new Uint8Array(0));
  });

  it("watches an author folder: every report goes to the callback", async () => {
    let channel: unknown;
    const calls = mockBackend({
      author_watch: (a) => {
        channel = a?.onEvent;
        return { watchId: 11 };
      },
    });
    const reports: AuthorReport[] = [];
    const errors: string[] = [];
    expect(
      await ipc.authorWatch(
        "/labs",
        (r) => reports.push(r),
        (m) => errors.push(m),
      ),
    ).toEqual({ watchId: 11 });
    expect(calls[0]!.args).toMatchObject({ path: "/labs" });
    send(channel, { kind: "report", report: fixtures.authorReport });
    send(channel, { kind: "error", message: "/labs does not exist" });
    send(channel, { kind: "surprise" });
    expect(reports).toEqual([fixtures.authorReport]);
    expect(errors).toEqual(["/labs does not exist"]);
  });

  it("rejects streamed commands with an IpcError like the others", async () => {
    mockBackend({
      lab_start: () => {
        throw { code: "no-cluster", message: "no kubeconfig" };
      },
    });
    const err = await ipc.labStart("x", null, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpcError);
    expect(err).toMatchObject({ code: "no-cluster", message: "no kubeconfig" });
  });

  it("wraps the dialogs: paths come back, a cancelled dialog gives null", async () => {
    let answer: unknown = "/home/learner/ckslab-progress.json";
    const calls = mockBackend({
      "plugin:dialog|save": () => answer,
      "plugin:dialog|open": () => answer,
    });
    expect(await ipc.chooseExportPath()).toBe("/home/learner/ckslab-progress.json");
    expect(await ipc.chooseImportFile()).toBe("/home/learner/ckslab-progress.json");
    answer = "/home/author/labs";
    expect(await ipc.chooseLabFolder()).toBe("/home/author/labs");
    answer = null;
    expect(await ipc.chooseExportPath()).toBeNull();
    expect(await ipc.chooseImportFile()).toBeNull();
    expect(calls[0]!.args).toEqual({
      options: { defaultPath: "ckslab-progress.json", filters: [{ name: "JSON", extensions: ["json"] }] },
    });
    expect(calls[1]!.args).toMatchObject({ options: { multiple: false, directory: false } });
    expect(calls[2]!.args).toMatchObject({ options: { multiple: false, directory: true } });
  });

  it("opens only http(s) links in the system browser", async () => {
    const calls = mockBackend();
    await ipc.openExternal("https://kubernetes.io/docs/concepts/services-networking/network-policies/");
    expect(calls).toEqual([
      {
        cmd: "plugin:opener|open_url",
        args: { url: "https://kubernetes.io/docs/concepts/services-networking/network-policies/" },
      },
    ]);
    for (const bad of ["file:///etc/passwd", "javascript:alert(1)", "ckslab://lab/x", "/relative", ""]) {
      const err = await ipc.openExternal(bad).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "bad-url" });
    }
    expect(calls).toHaveLength(1);
  });
});

describe("ipc: practice features (issue 9)", () => {
  it("calls the quiz, playground and exam commands by their Rust names and argument names", async () => {
    const calls = mockBackend();
    const quiz = await ipc.answerQuiz("network-policies", 3, "kubernetes.io/metadata.name");
    expect(quiz).toMatchObject({ correct: true, expected: "kubernetes.io/metadata.name" });
    const played = await ipc.play({ mode: "gatekeeper", policy: "p", input: "i", operation: "CREATE" });
    expect(played.decisions[0]).toMatchObject({ object: "Namespace shop", allowed: false });
    expect((await ipc.playExamples()).map((e) => e.id)).toContain("rego-plain");
    expect(await ipc.examFiles()).toEqual(fixtures.examFiles);
    expect(await ipc.examPlan({ seed: "4242", count: 16, examId: null })).toEqual(fixtures.examPlan);
    expect(await ipc.examCurrent()).toBeNull();
    expect(await ipc.examFlag(3, 2, true)).toBeNull();
    expect(await ipc.examNote(3, 2, "look at the SA")).toBeNull();
    expect((await ipc.examReport(3)).passMark).toBe(67);
    expect(await ipc.examHistory()).toHaveLength(2);
    expect(calls.map((c) => [c.cmd, c.args ?? {}])).toEqual([
      ["answer_quiz", { lessonId: "network-policies", index: 3, answer: "kubernetes.io/metadata.name" }],
      ["play", { request: { mode: "gatekeeper", policy: "p", input: "i", operation: "CREATE" } }],
      ["play_examples", {}],
      ["exam_files", {}],
      ["exam_plan", { seed: "4242", count: 16, examId: null }],
      ["exam_current", {}],
      ["exam_flag", { examId: 3, position: 2, flagged: true }],
      ["exam_note", { examId: 3, position: 2, notes: "look at the SA" }],
      ["exam_report", { examId: 3 }],
      ["exam_history", {}],
    ]);
  });

  it("streams exam_start and exam_submit lines through a Channel", async () => {
    const calls = mockBackend({
      exam_start: (a) => {
        send(a?.onEvent, { kind: "line", text: "task 1/16: netpol-and-or-selectors" });
        send(a?.onEvent, { kind: "other" });
        send(a?.onEvent, { kind: "line", text: "task 2/16: sa-disable-automount" });
        return fixtures.examView;
      },
      exam_submit: (a) => {
        send(a?.onEvent, { kind: "line", text: "grading task 1" });
        return fixtures.examReport;
      },
    });
    const started: string[] = [];
    const view = await ipc.examStart({ seed: null, count: 16, examId: null }, (l) => started.push(l));
    expect(view.examId).toBe(3);
    expect(started).toEqual(["task 1/16: netpol-and-or-selectors", "task 2/16: sa-disable-automount"]);
    const graded: string[] = [];
    const report = await ipc.examSubmit(3, (l) => graded.push(l));
    expect(report.percent).toBeCloseTo(42.857);
    expect(graded).toEqual(["grading task 1"]);
    const [start, submit] = calls.map((c) => c.args ?? {});
    expect(start).toMatchObject({ seed: null, count: 16, examId: null });
    expect(start!.onEvent).toBeInstanceOf(Channel);
    expect(submit).toMatchObject({ examId: 3 });
    expect(submit!.onEvent).toBeInstanceOf(Channel);
  });

  it("rejects exam_plan conflicts with their code", async () => {
    mockBackend({
      exam_plan: () => {
        throw { code: "exam-conflict", message: "labs a and b both change the kubelet" };
      },
    });
    const err = await ipc.examPlan({ seed: "1", count: 15, examId: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpcError);
    expect(err).toMatchObject({ code: "exam-conflict" });
  });

  it("calls the setup commands by their Rust names and streams their lines", async () => {
    const calls = mockBackend({
      images_pull: (a) => {
        send(a?.onEvent, { kind: "line", text: "pulling nginx:1.27" });
        send(a?.onEvent, { kind: "other", text: "ignored" });
        return { done: 1, skipped: 2 };
      },
      images_load: (a) => {
        send(a?.onEvent, { kind: "line", text: "loading into cks" });
        return { done: 3, skipped: 0 };
      },
      addon_install: (a) => {
        send(a?.onEvent, { kind: "line", text: "applied" });
        return { ...fixtures.addons[0]!, installed: true };
      },
    });
    expect(await ipc.setupPlan()).toEqual(fixtures.setupPlan);
    expect(await ipc.addonsList()).toEqual(fixtures.addons);
    const got: string[] = [];
    expect(await ipc.imagesPull((l) => got.push(l))).toEqual({ done: 1, skipped: 2 });
    expect(await ipc.imagesLoad((l) => got.push(l))).toEqual({ done: 3, skipped: 0 });
    expect((await ipc.addonInstall("gatekeeper", (l) => got.push(l))).installed).toBe(true);
    expect(got).toEqual(["pulling nginx:1.27", "loading into cks", "applied"]);
    expect(calls.map((c) => c.cmd)).toEqual(["setup_plan", "addons_list", "images_pull", "images_load", "addon_install"]);
    expect(calls[2]!.args!.onEvent).toBeInstanceOf(Channel);
    expect(calls[4]!.args).toMatchObject({ name: "gatekeeper" });
    expect(calls[4]!.args!.onEvent).toBeInstanceOf(Channel);
  });

  it("rejects an images failure with code images and its message", async () => {
    mockBackend({
      images_pull: () => {
        throw { code: "images", message: "docker is not running: start it, then retry" };
      },
    });
    const err = await ipc.imagesPull(() => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpcError);
    expect(err).toMatchObject({ code: "images", message: "docker is not running: start it, then retry" });
  });
});
