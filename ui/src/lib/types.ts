// DTOs returned by the Tauri commands (src-tauri/src/commands.rs). Field names follow the
// Rust structs' serde attributes exactly (camelCase unless the struct has no rename).
// Rust `Option<T>` without `skip_serializing_if` arrives as `T | null`; with it, the field may be
// absent (`?:`). u64/i64 arrive as JSON numbers (see the note on `seed`).

/** `app_info` (commands.rs `AppInfo`). */
export interface AppInfo {
  version: string;
  dataDir: string;
  labsDir: string;
  contentDir: string;
}

/** cks-content `Competency` (no rename). */
export interface Competency {
  id: string;
  title: string;
}

/** cks-content `Domain` (no rename). */
export interface Domain {
  id: string;
  title: string;
  /** Exam weight in percent. */
  weight: number;
  competencies: Competency[];
}

/** cks-content `Curriculum` (no rename). */
export interface Curriculum {
  version: string;
  domains: Domain[];
}

/** `read`, `started` or `new`. */
export type LessonStatus = "read" | "started" | "new";

/** cks-app `LessonSummary`. */
export interface LessonSummary {
  id: string;
  title: string;
  domain: string;
  /** `overview` or `lesson`. */
  kind: string;
  competencies: string[];
  minutes: number;
  words: number;
  status: LessonStatus | string;
}

/** cks-content `QuizQuestion` (no rename; `choices` omitted when empty). */
export interface QuizQuestion {
  question: string;
  choices?: string[];
  answer: string;
  explanation: string;
}

/** cks-app `LessonView` (LessonSummary flattened). */
export interface LessonView extends LessonSummary {
  objectives: string[];
  prerequisites: string[];
  docs: string[];
  /** `[labId, exists]` pairs. */
  labs: [string, boolean][];
  quiz: QuizQuestion[];
  /** Sanitized by Rust: safe for `{@html}`. */
  html: string;
  /** Plain text for terminals. */
  text: string;
}

/** cks-app `LabSummary`. */
export interface LabSummary {
  id: string;
  title: string;
  competencies: string[];
  difficulty: string;
  minutes: number;
  points: number;
  requires: string[];
  /** Number of checks. */
  checks: number;
  /** Why this lab cannot run here; absent when it can. */
  unavailable?: string;
}

/** cks-labs `Problem`. */
export interface Problem {
  file: string;
  line: number;
  column: number;
  field: string;
  message: string;
  help?: string;
}

/** cks-app `LabFailure`. */
export interface LabFailure {
  dir: string;
  problems: Problem[];
}

/** cks-app `LabList`. */
export interface LabList {
  labs: LabSummary[];
  invalid: LabFailure[];
}

/** cks-app `CheckInfo`. */
export interface CheckInfo {
  id: string;
  points: number;
  kind: string;
  description: string | null;
}

/** cks-app `LabDetail` (LabSummary flattened). */
export interface LabDetail extends LabSummary {
  contentHash: string;
  sampleParams: Record<string, unknown>;
  taskMarkdown: string;
  hintCount: number;
  hintCost: number;
  checkList: CheckInfo[];
}

/** What a fixture snapshot represents (commands.rs `FixtureRef.kind`). */
export type FixtureKind = "broken" | "solved" | "alsoCorrect" | "bypass";

/** commands.rs `FixtureRef`: a snapshot folder of the lab and what it represents. */
export interface FixtureRef {
  /** Path inside the lab folder, e.g. `fixtures/broken`. */
  path: string;
  kind: FixtureKind;
}

/** `get_lab` (commands.rs `LabView`: LabDetail flattened + task HTML + fixtures). */
export interface LabView extends LabDetail {
  /** Sanitized by Rust: safe for `{@html}`. */
  taskHtml: string;
  /** Broken first, then solved, then the also-correct ones, then the bypasses. */
  fixtures: FixtureRef[];
}

/** `reveal_hint` (commands.rs `HintView`). */
export interface HintView {
  /** 1-based number of the hint just revealed. */
  number: number;
  /** How many hints the lab has. */
  of: number;
  /** Sanitized by Rust: safe for `{@html}`. */
  html: string;
  /** Points deducted so far on this attempt. */
  totalPenalty: number;
}

/** `show_solution` (commands.rs `SolutionView`). */
export interface SolutionView {
  /** Sanitized by Rust: safe for `{@html}`. */
  html: string;
}

/** cks-checks `Status`. */
export type Status = "pass" | "fail" | "error";

/** cks-checks `ObjectRef` (no rename). */
export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

/** cks-checks `Finding`. */
export interface Finding {
  object?: ObjectRef;
  container?: string;
  /** `node:path` for node files. */
  file?: string;
  rule?: string;
  expected?: string;
  found?: string;
  message: string;
}

/** cks-checks `Outcome`. */
export interface Outcome {
  checkId: string;
  status: Status;
  pointsAwarded: number;
  pointsPossible: number;
  message: string;
  /** Omitted when empty. */
  findings?: Finding[];
  /** Omitted when none. */
  doc?: string;
}

/** cks-store `CheckResult` (as stored; `doc` is `null` rather than absent). */
export interface CheckResult {
  checkId: string;
  status: Status;
  pointsAwarded: number;
  pointsPossible: number;
  message: string;
  findings: Finding[];
  doc: string | null;
}

/** cks-store `Grade`. */
export interface Grade {
  id: number;
  attemptId: number;
  gradedAt: string;
  pointsAwarded: number;
  pointsPossible: number;
  hintPenalty: number;
  passed: boolean;
  checks: CheckResult[];
}

/** cks-app `GradeReport`. */
export interface GradeReport {
  labId: string;
  title: string;
  attemptId: number;
  /** u64 in Rust: values above 2^53 lose precision in JS. Display only. */
  seed: number;
  params: Record<string, unknown>;
  grade: Grade;
  outcomes: Outcome[];
  guardFailed: boolean;
}

/** cks-app `CompetencyProgress`. */
export interface CompetencyProgress {
  id: string;
  title: string;
  labs: number;
  attempted: number;
  passed: number;
  /** 0..=1 */
  score: number;
}

/** cks-app `DomainProgress`. */
export interface DomainProgress {
  id: string;
  title: string;
  weight: number;
  /** 0..=1 */
  score: number;
  competencies: CompetencyProgress[];
}

/** cks-store `LabProgress`. */
export interface LabProgress {
  labId: string;
  attempts: number;
  grades: number;
  bestRatio: number;
  passed: boolean;
  lastGradedAt: string | null;
}

/** cks-app `ProgressReport`. */
export interface ProgressReport {
  domains: DomainProgress[];
  labs: LabProgress[];
  /** Weighted by the exam's domain weights, 0..=1. */
  overall: number;
}

/** cks-cluster `Tool`. */
export interface Tool {
  name: string;
  version: string | null;
  install: string;
}

/** cks-cluster `Doctor`. */
export interface Doctor {
  tools: Tool[];
  engine: string | null;
  apparmor: boolean;
  btf: boolean;
  cgroupV2: boolean;
  arch: string;
}

/** What every failed command rejects with (commands.rs `CommandError`). */
export interface CommandErrorPayload {
  code: string;
  message: string;
}

// ---- Cluster, live attempts, terminal, data, author (the "issue 4" commands) ----

/** One line of progress from a long operation (cluster create, lab start, reset). */
export interface ProgressEvent {
  kind: "line";
  text: string;
}

/** `cluster_status` / `cluster_create` / `cluster_delete`: the app's own kind cluster. */
export interface ClusterStatus {
  /** Always `cks`. */
  name: string;
  /** `docker`, `podman`, or null when none was found. */
  engine: string | null;
  /** kind knows a cluster by that name. */
  exists: boolean;
  /** Its API server answered. */
  reachable: boolean;
  /** Labs may change it (guard rail registry). */
  registered: boolean;
  /** Path of the app's kubeconfig. */
  kubeconfig: string;
  /** Node container names for node shells, e.g. `cks-control-plane`. */
  nodes: string[];
  /** Why it is not usable and what to do; null when it is. */
  message: string | null;
}

/** `active_attempt` / `lab_start`: a live attempt of a lab on the cluster. */
export interface AttemptView {
  labId: string;
  attemptId: number;
  /** u64 as a decimal string (exact). */
  seed: string;
  params: Record<string, unknown>;
  /** Sanitized by Rust, rendered for this attempt's params: safe for `{@html}`. */
  taskHtml: string;
  /** RFC 3339. */
  startedAt: string;
  source: "cluster" | "snapshot";
  /** Setup log of `lab_start`; empty for `active_attempt`. */
  log: string[];
}

/** `lab_reset`. */
export interface ResetSummary {
  deleted: number;
}

/** Where a terminal's shell runs. */
export type TerminalTarget = { kind: "local" } | { kind: "node"; node: string };

/** What the terminal's channel carries (`data` is base64 of raw bytes). */
export type TerminalEvent =
  | { kind: "output"; data: string }
  | { kind: "exit"; code: number | null };

/** `terminal_open`. */
export interface TerminalSession {
  id: number;
  title: string;
}

/** `export_data`. */
export interface ExportSummary {
  path: string;
  attempts: number;
  lessonsRead: number;
}

/** `import_data`. */
export interface ImportSummary {
  attemptsAdded: number;
  attemptsSkipped: number;
  gradesAdded: number;
}

/** One fixture's self-test result in the author view. */
export interface SelfTestFixture {
  path: string;
  kind: FixtureKind;
  passed: boolean;
  /** What went wrong; empty when the fixture behaved as its kind demands. */
  failures: string[];
  score: number;
  of: number;
}

/** A lab's self-test (every fixture graded against its kind). */
export interface SelfTestView {
  passed: boolean;
  fixtures: SelfTestFixture[];
}

/** One lab folder in an author report. */
export interface AuthorLab {
  dir: string;
  id: string | null;
  title: string | null;
  problems: Problem[];
  /** Null when the lab does not load. */
  selfTest: SelfTestView | null;
  /** Sanitized task for the sample params: safe for `{@html}`. */
  taskHtml: string | null;
}

/** `author_check`, and every message of `author_watch`. */
export interface AuthorReport {
  /** The folder opened. */
  path: string;
  labs: AuthorLab[];
  /** RFC 3339. */
  checkedAt: string;
}

/** `author_watch`. */
export interface AuthorWatch {
  watchId: number;
}

/** What an author-view watch sends: a fresh check, or why checking failed. */
export type AuthorWatchMessage =
  | { kind: "report"; report: AuthorReport }
  | { kind: "error"; message: string };
