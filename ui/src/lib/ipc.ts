// The only module that talks to the Rust backend. One typed function per command in
// src-tauri/src/command_names.rs; every failure becomes an `IpcError`.
import { Channel, invoke } from "@tauri-apps/api/core";
import { open as openDialog, save as saveDialog } from "@tauri-apps/plugin-dialog";
import { openUrl } from "@tauri-apps/plugin-opener";
import type {
  AddonInfo,
  AppInfo,
  AttemptView,
  AuthorReport,
  AuthorWatchMessage,
  AuthorWatch,
  ClusterStatus,
  Curriculum,
  ExamFile,
  ExamPlan,
  ExamReport,
  ExamSummary,
  ExamView,
  ExportSummary,
  ImagesDone,
  ImportSummary,
  PlayExample,
  PlayRequest,
  PlayResult,
  QuizResult,
  ProgressEvent,
  ResetSummary,
  TerminalEvent,
  TerminalSession,
  TerminalTarget,
  Doctor,
  GradeReport,
  HintView,
  LabList,
  LabView,
  LessonSummary,
  LessonView,
  ProgressReport,
  SetupPlan,
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

/** `call` with a fresh Channel passed as `onEvent`, its messages going to `onMessage`. */
async function callWithChannel<T, M>(
  cmd: string,
  args: Record<string, unknown>,
  onMessage: (msg: M) => void,
): Promise<T> {
  let channel: Channel<M>;
  try {
    channel = new Channel<M>();
  } catch (e) {
    throw toIpcError(e);
  }
  channel.onmessage = onMessage;
  return call<T>(cmd, { ...args, onEvent: channel });
}

/** Progress channels: hand each line's text to `onLine`, ignore kinds this UI does not know. */
function lines(onLine: (line: string) => void): (e: ProgressEvent) => void {
  return (e) => {
    if (isRecord(e) && e.kind === "line" && typeof e.text === "string") onLine(e.text);
  };
}

/**
 * Terminal output as bytes: base64 (what the contract sends) or a number array (how serde sends
 * a `Vec<u8>`). Bytes, not text, so xterm decodes UTF-8 split across chunks correctly.
 */
export function outputBytes(data: unknown): Uint8Array {
  if (typeof data === "string") {
    const bin = atob(data);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  if (data instanceof Uint8Array) return data;
  if (Array.isArray(data)) return Uint8Array.from(data as number[]);
  return new Uint8Array(0);
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

// ---- Cluster (the app's own kind cluster) ----

export const clusterStatus = (): Promise<ClusterStatus> => call("cluster_status");

/** Create the cluster (takes minutes); every line of kind's output goes to `onLine`. */
export const clusterCreate = (onLine: (line: string) => void): Promise<ClusterStatus> =>
  callWithChannel("cluster_create", {}, lines(onLine));

export const clusterDelete = (): Promise<ClusterStatus> => call("cluster_delete");

// ---- First-run setup (tools, cluster, images, add-ons) ----

/** What first-run setup would do on this machine; nothing is changed. */
export const setupPlan = (): Promise<SetupPlan> => call("setup_plan");

/**
 * Pull every lab image not present yet; progress lines go to `onLine`. A retry resumes.
 * Rejects with code `images` (the message says what to do: disk full, engine not running, …).
 */
export const imagesPull = (onLine: (line: string) => void): Promise<ImagesDone> =>
  callWithChannel("images_pull", {}, lines(onLine));

/** Load every lab image into the cluster's nodes; lines go to `onLine`. Code `no-cluster` without one. */
export const imagesLoad = (onLine: (line: string) => void): Promise<ImagesDone> =>
  callWithChannel("images_load", {}, lines(onLine));

/** Add-ons some labs require, with what each unlocks and whether it is installed. */
export const addonsList = (): Promise<AddonInfo[]> => call("addons_list");

/** Download (verified) and apply an add-on; lines go to `onLine`. Rejects with code `addon`. */
export const addonInstall = (name: string, onLine: (line: string) => void): Promise<AddonInfo> =>
  callWithChannel("addon_install", { name }, lines(onLine));

// ---- Live attempts on the cluster ----

/** The lab's latest cluster attempt that is not finished yet, or null. */
export const activeAttempt = (id: string): Promise<AttemptView | null> =>
  call("active_attempt", { id });

/** Set the lab up on the cluster (a new attempt); setup lines go to `onLine`. `seed`: decimal. */
export const labStart = (
  id: string,
  seed: string | null,
  onLine: (line: string) => void,
): Promise<AttemptView> => callWithChannel("lab_start", { id, seed }, lines(onLine));

/** Grade the lab's latest cluster attempt on the cluster. */
export const labGrade = (id: string): Promise<GradeReport> => call("lab_grade", { id });

/** Delete what the lab created on the cluster; lines go to `onLine`. */
export const labReset = (id: string, onLine: (line: string) => void): Promise<ResetSummary> =>
  callWithChannel("lab_reset", { id }, lines(onLine));

// ---- Terminal (a PTY in Rust) ----

export interface TerminalHandlers {
  /** Raw output bytes, for `term.write`. */
  onOutput: (bytes: Uint8Array) => void;
  /** The shell ended (`null` when killed by a signal). */
  onExit: (code: number | null) => void;
}

export const terminalOpen = (
  target: TerminalTarget,
  cols: number,
  rows: number,
  handlers: TerminalHandlers,
): Promise<TerminalSession> =>
  callWithChannel<TerminalSession, TerminalEvent>("terminal_open", { target, cols, rows }, (e) => {
    if (!isRecord(e)) return;
    if (e.kind === "output") handlers.onOutput(outputBytes(e.data));
    else if (e.kind === "exit") handlers.onExit(typeof e.code === "number" ? e.code : null);
  });

/** Send keys (what xterm's onData gives) to the shell. */
export const terminalWrite = (id: number, data: string): Promise<null> =>
  call("terminal_write", { id, data });

export const terminalResize = (id: number, cols: number, rows: number): Promise<null> =>
  call("terminal_resize", { id, cols, rows });

export const terminalClose = (id: number): Promise<null> => call("terminal_close", { id });

// ---- Quizzes (lesson reader) ----

/** Check one quiz answer; recorded, so the lesson shows it next time. */
export const answerQuiz = (lessonId: string, index: number, answer: string): Promise<QuizResult> =>
  call("answer_quiz", { lessonId, index, answer });

// ---- Policy playground ----

/** Evaluate a policy against objects/input. Bad policy text is not a rejection: see `problems`. */
export const play = (request: PlayRequest): Promise<PlayResult> => call("play", { request });

export const playExamples = (): Promise<PlayExample[]> => call("play_examples");

// ---- Mock exam ----

/** What to draw an exam from: a random one (`seed`, `count`) or a fixed exam file (`examId`). */
export interface ExamChoice {
  /** Decimal, to replay an earlier exam; null for a fresh one. */
  seed: string | null;
  /** Number of tasks (15–20); null for the default. */
  count: number | null;
  /** A fixed exam from `examFiles`; null for a random exam. */
  examId: string | null;
}

export const examFiles = (): Promise<ExamFile[]> => call("exam_files");

/** Preview the tasks (no cluster). Rejects with code `exam-conflict` when labs cannot coexist. */
export const examPlan = (choice: ExamChoice): Promise<ExamPlan> =>
  call("exam_plan", { seed: choice.seed, count: choice.count, examId: choice.examId });

/** Set every task up on the cluster (minutes); setup lines go to `onLine`. */
export const examStart = (choice: ExamChoice, onLine: (line: string) => void): Promise<ExamView> =>
  callWithChannel("exam_start", { seed: choice.seed, count: choice.count, examId: choice.examId }, lines(onLine));

/** The running exam (to resume after quitting), or null. */
export const examCurrent = (): Promise<ExamView | null> => call("exam_current");

export const examFlag = (examId: number, position: number, flagged: boolean): Promise<null> =>
  call("exam_flag", { examId, position, flagged });

export const examNote = (examId: number, position: number, notes: string): Promise<null> =>
  call("exam_note", { examId, position, notes });

/** Grade every task now and end the exam; grading lines go to `onLine`. */
export const examSubmit = (examId: number, onLine: (line: string) => void): Promise<ExamReport> =>
  callWithChannel("exam_submit", { examId }, lines(onLine));

export const examReport = (examId: number): Promise<ExamReport> => call("exam_report", { examId });

/** Every exam, newest first. */
export const examHistory = (): Promise<ExamSummary[]> => call("exam_history");

// ---- Data export / import ----

export const exportData = (path: string): Promise<ExportSummary> => call("export_data", { path });

/** Rejects with code `import` and the file's problems when it is not a valid export. */
export const importData = (path: string): Promise<ImportSummary> => call("import_data", { path });

// ---- Author view ----

export const authorCheck = (path: string): Promise<AuthorReport> => call("author_check", { path });

/** Watch a lab folder: a fresh report goes to `onReport` on every change (debounced). */
/**
 * Watch a lab folder: after every burst of changes `onReport` gets a fresh check, or `onError`
 * says why checking failed (e.g. the folder was deleted).
 */
export const authorWatch = (
  path: string,
  onReport: (r: AuthorReport) => void,
  onError: (message: string) => void = () => {},
): Promise<AuthorWatch> =>
  callWithChannel("author_watch", { path }, (m: AuthorWatchMessage) => {
    if (!isRecord(m)) return;
    if (m.kind === "report" && isRecord(m.report)) onReport(m.report as AuthorReport);
    else if (m.kind === "error" && typeof m.message === "string") onError(m.message);
  });

export const authorUnwatch = (watchId: number): Promise<null> => call("author_unwatch", { watchId });

// ---- Native dialogs (plugin-dialog); null when cancelled ----

const JSON_FILTER = [{ name: "JSON", extensions: ["json"] }];

function onePath(p: unknown): string | null {
  if (typeof p === "string") return p;
  if (Array.isArray(p) && typeof p[0] === "string") return p[0];
  return null;
}

/** Where to write a progress export. */
export async function chooseExportPath(): Promise<string | null> {
  try {
    return onePath(await saveDialog({ defaultPath: "ckslab-progress.json", filters: JSON_FILTER }));
  } catch (e) {
    throw toIpcError(e);
  }
}

/** A progress export to import. */
export async function chooseImportFile(): Promise<string | null> {
  try {
    return onePath(await openDialog({ multiple: false, directory: false, filters: JSON_FILTER }));
  } catch (e) {
    throw toIpcError(e);
  }
}

/** A lab folder (or a folder of labs) for the author view. */
export async function chooseLabFolder(): Promise<string | null> {
  try {
    return onePath(await openDialog({ multiple: false, directory: true }));
  } catch (e) {
    throw toIpcError(e);
  }
}

// ---- System browser (plugin-opener) ----

/** True for the URLs `openExternal` accepts: absolute http(s). */
export function isExternalUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

/** Open an http(s) URL in the system browser; anything else is refused (code `bad-url`). */
export async function openExternal(url: string): Promise<void> {
  if (!isExternalUrl(url)) throw new IpcError("bad-url", `Not a web link: ${url}`);
  try {
    await openUrl(url);
  } catch (e) {
    throw toIpcError(e);
  }
}
