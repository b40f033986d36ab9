import { describe, expect, it } from "vitest";
import * as ipc from "./ipc";
import { IpcError, toIpcError } from "./ipc";
import { mockBackend } from "../test/backend";

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
