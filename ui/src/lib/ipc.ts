// The only module that talks to the Rust backend. One typed function per command in
// src-tauri/src/command_names.rs; every failure becomes an `IpcError`.
import { invoke } from "@tauri-apps/api/core";
import type {
  AppInfo,
  Curriculum,
  Doctor,
  GradeReport,
  HintView,
  LabList,
  LabView,
  LessonSummary,
  LessonView,
  ProgressReport,
  SolutionView,
} from "./types";

/** A failed command: a stable code and a readable message. */
export class IpcError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "IpcError";
    this.code = code;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

/** Turn whatever a rejected `invoke` produced into an `IpcError`. */
export function toIpcError(e: unknown): IpcError {
  if (e instanceof IpcError) return e;
  if (e instanceof Error) return new IpcError("ipc", e.message);
  if (isRecord(e) && typeof e.message === "string") {
    const code = typeof e.code === "string" && e.code !== "" ? e.code : "unknown";
    return new IpcError(code, e.message);
  }
  if (typeof e === "string") {
    // Tauri rejects with a plain string for its own failures (unknown command, bad args, ACL).
    return new IpcError("ipc", e);
  }
  return new IpcError("unknown", "The app backend failed without saying why.");
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

export const appInfo = (): Promise<AppInfo> => call("app_info");

export const curriculum = (): Promise<Curriculum> => call("curriculum");

export const listLessons = (): Promise<LessonSummary[]> => call("list_lessons");

/** Reading a lesson also records it as read. */
export const getLesson = (id: string): Promise<LessonView> => call("get_lesson", { id });

export const listLabs = (): Promise<LabList> => call("list_labs");

export const getLab = (id: string): Promise<LabView> => call("get_lab", { id });

export const listFixtures = (id: string): Promise<string[]> => call("list_fixtures", { id });

/** Grade one of the lab's fixture snapshots; recorded like any attempt. */
export const gradeFixture = (id: string, fixture: string): Promise<GradeReport> =>
  call("grade_fixture", { id, fixture });

/**
 * Reveal the next hint of the lab's latest attempt; recorded, and each costs the lab's hint cost.
 * Rejects with code `no-attempt` when the lab has no attempt yet.
 */
export const revealHint = (id: string): Promise<HintView> => call("reveal_hint", { id });

/** The solution explanation (for the latest attempt's params, or the sample ones). Free. */
export const showSolution = (id: string): Promise<SolutionView> => call("show_solution", { id });

export const progress = (): Promise<ProgressReport> => call("progress");

export const doctor = (): Promise<Doctor> => call("doctor");
