import type { Finding, FixtureRef, ObjectRef } from "./types";

/** 0..1 → "42%". */
export function pct(ratio: number): string {
  if (!Number.isFinite(ratio)) return "0%";
  return `${Math.round(Math.min(1, Math.max(0, ratio)) * 100)}%`;
}

/** The folder name of a fixture path: `fixtures/allow-all` → `allow-all`. */
export function fixtureName(path: string): string {
  return path.split("/").filter(Boolean).pop() ?? path;
}

/** A fixture snapshot → a readable label saying what it represents. */
export function fixtureLabel(f: FixtureRef): string {
  switch (f.kind) {
    case "broken":
      return "Broken — the state right after setup";
    case "solved":
      return "Solved — the reference solution";
    case "alsoCorrect":
      return `Also correct — ${fixtureName(f.path)}`;
    case "bypass":
      return `Bypass (should fail) — ${fixtureName(f.path)}`;
    default:
      return fixtureName(f.path);
  }
}

/** "1 point", "2 points". */
export function points(n: number): string {
  return `${n} point${n === 1 ? "" : "s"}`;
}

export function objectRef(o: ObjectRef): string {
  return o.namespace ? `${o.kind} ${o.namespace}/${o.name}` : `${o.kind} ${o.name}`;
}

/** Where a finding points: object, container, file. */
export function findingWhere(f: Finding): string {
  const parts: string[] = [];
  if (f.object) parts.push(objectRef(f.object));
  if (f.container) parts.push(`container ${f.container}`);
  if (f.file) parts.push(f.file);
  return parts.join(", ");
}

/** Seconds → "mm:ss" or "h:mm:ss". */
export function clock(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${two(m)}:${two(sec)}`;
}

/** An RFC 3339 timestamp → a short local date and time, or the input when it does not parse. */
export function when(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Advice for an error code: what the learner can do about it. */
export function adviceFor(code: string): string {
  switch (code) {
    case "lab-not-found":
      return "The lab may have been renamed or removed. Go back to the curriculum and pick it again.";
    case "lab-invalid":
    case "snapshot-invalid":
    case "params-invalid":
      return "The lab's files have problems. Run `ckslab labs lint` in a terminal to see them, or pick another lab.";
    case "lesson-not-found":
      return "The lesson may have been renamed or removed. Go back to the curriculum and pick it again.";
    case "lessons-invalid":
    case "lesson-render":
      return "The lesson files have problems. Reinstall the app or check the content folder shown in Settings.";
    case "path-not-found":
    case "no-labs":
      return "A folder the app needs is missing. Check the folders shown in Settings.";
    case "store":
      return "The progress database could not be used. Check that the data folder in Settings is writable, then retry.";
    case "no-attempt":
      return "Grade one of the lab's practice snapshots in the Grade section, then try again.";
    case "fixture-not-found":
      return "Pick another snapshot from the list and grade again.";
    case "no-engine":
      return "Install docker or podman (see Settings → Doctor), then create the cluster in Settings → Cluster.";
    case "no-cluster":
      return "There is no practice cluster yet: create it in Settings → Cluster, then come back.";
    case "cluster":
      return "The cluster command failed. Check that docker or podman is running, then retry; Settings → Cluster shows its state.";
    case "not-owned":
      return "That cluster was not created by CKS Lab, so the app will not change it. Delete or rename it, then create the app's cluster in Settings.";
    case "live-grade":
      return "Setting up or grading on the cluster failed. Check the cluster in Settings → Cluster, then retry or reset the lab.";
    case "terminal":
      return "The shell could not start. Node shells need the cluster: create it in Settings → Cluster. Then restart the shell.";
    case "terminal-not-found":
      return "That shell has already ended. Restart the shell.";
    case "file":
    case "import":
      return "Pick a file that CKS Lab exported (Settings → Data → Export…) and import it again.";
    case "cluster-not-registered":
      return "That cluster is not registered for labs. Create CKS Lab's own cluster in Settings → Cluster.";
    case "bad-seed":
      return "A seed is a whole number (as shown on an earlier attempt). Clear it to draw fresh params.";
    case "watch":
      return "The folder cannot be watched. Check that it exists, then press Check or Watch again.";
    case "exam-conflict":
      return "Some of the drawn labs cannot run on the cluster together. Try another seed or number of tasks, or pick a fixed exam.";
    case "bad-count":
      return "An exam has 15 to 20 tasks.";
    case "exam-running":
      return "Another mock exam is still running: resume it from the Mock exam page and submit it first.";
    case "exam-not-found":
      return "That exam does not exist (any more). Pick another one on the Mock exam page.";
    case "exam-not-submitted":
      return "This exam is still running: resume it from the Mock exam page, then submit it to see the report.";
    case "exam-task":
      return "That task is not part of the running exam. Go back to the exam's task list.";
    case "quiz-question":
      return "The lesson's questions changed. Reload the lesson and answer again.";
    case "images":
      return "The images could not be pulled or loaded. Do what the message says, then retry: a retry resumes where it stopped.";
    case "addon":
      return "The add-on could not be installed. Check the cluster in Settings → Cluster and your network, then retry.";
    case "bad-url":
      return "Only web (http or https) links open in the browser.";
    case "ipc":
      return "The app's backend did not accept the request. Restart the app; if it persists, report it.";
    default:
      return "Retry; if it keeps failing, restart the app and check Settings → Doctor.";
  }
}

/** A readiness figure 0..1: `readiness` when the backend sends it, else the older `score`. */
export function readinessOf(p: { score: number; readiness?: number | null }): number {
  return typeof p.readiness === "number" && Number.isFinite(p.readiness) ? p.readiness : p.score;
}

/** A percentage already in 0..100 → "67%". */
export function percent(p: number | null | undefined): string {
  if (typeof p !== "number" || !Number.isFinite(p)) return "—";
  return `${Math.round(Math.min(100, Math.max(0, p)))}%`;
}

/**
 * The character offset of a 1-based line and column in `text` (clamped to the text; column 0 =
 * start of the line), for putting the caret where a problem points.
 */
export function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split("\n");
  const l = Math.min(Math.max(1, Math.floor(line) || 1), lines.length);
  let offset = 0;
  for (let i = 0; i < l - 1; i++) offset += lines[i]!.length + 1;
  const col = Math.max(0, Math.floor(column) || 0);
  return offset + Math.min(col === 0 ? 0 : col - 1, lines[l - 1]!.length);
}

/** The 1-based line and column of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const lines = before.split("\n");
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}
