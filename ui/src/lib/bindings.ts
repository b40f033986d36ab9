// Generated from the Rust DTOs by crates/cks-app/tests/ts_bindings.rs: do not edit.
// Regenerate with `UPDATE_BINDINGS=1 cargo test -p cks-app --test ts_bindings`.

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type Curriculum = { version: string, domains: Array<Domain>, };

export type Domain = { id: string, title: string, weight: number, competencies: Array<Competency>, };

export type Competency = { id: string, title: string, };

export type LessonSummary = { id: string, title: string, domain: string, kind: string, competencies: Array<string>, minutes: number, words: number, 
/**
 * `read`, `started` or `new`.
 */
status: "read" | "started" | "new", };

export type LessonView = { objectives: Array<string>, prerequisites: Array<string>, docs: Array<string>, 
/**
 * Labs that practise the lesson, with whether they exist yet.
 */
labs: Array<[string, boolean]>, 
/**
 * Self-check questions, without their answers (checked by [`App::answer_quiz`]).
 */
quiz: Array<QuizView>, 
/**
 * Sanitized HTML (safe for a webview).
 */
html: string, 
/**
 * Plain text for a terminal (control characters removed).
 */
text: string, id: string, title: string, domain: string, kind: string, competencies: Array<string>, minutes: number, words: number, 
/**
 * `read`, `started` or `new`.
 */
status: "read" | "started" | "new", };

export type QuizQuestion = { question: string, choices?: Array<string>, answer: string, explanation: string, };

export type LabSummary = { id: string, title: string, competencies: Array<string>, difficulty: string, minutes: number, points: number, requires: Array<string>, checks: number, 
/**
 * How far the lab reaches: only `namespace` labs run on a shared cluster.
 */
scope: "namespace" | "cluster" | "node", 
/**
 * Why this lab cannot run on this machine (host capabilities from the doctor), if it cannot.
 */
unavailable?: string, };

export type Problem = { file: string, 
/**
 * 1-based; 0 when the problem concerns the whole file.
 */
line: number, 
/**
 * 1-based; 0 when unknown.
 */
column: number, 
/**
 * Field path such as `checks[2].object.expr`; empty for the whole file.
 */
field: string, message: string, 
/**
 * What was expected, or how to fix it.
 */
help?: string, };

export type LabFailure = { dir: string, problems: Array<Problem>, };

export type LabList = { labs: Array<LabSummary>, invalid: Array<LabFailure>, };

export type CheckInfo = { id: string, points: number, kind: string, description: string | null, };

export type LabDetail = { contentHash: string, sampleParams: { [key in string]: JsonValue }, taskMarkdown: string, hintCount: number, hintCost: number, checkList: Array<CheckInfo>, id: string, title: string, competencies: Array<string>, difficulty: string, minutes: number, points: number, requires: Array<string>, checks: number, 
/**
 * How far the lab reaches: only `namespace` labs run on a shared cluster.
 */
scope: "namespace" | "cluster" | "node", 
/**
 * Why this lab cannot run on this machine (host capabilities from the doctor), if it cannot.
 */
unavailable?: string, };

export type FixtureRole = "broken" | "solved" | "alsoCorrect" | "bypass";

export type FixtureRef = { 
/**
 * Path inside the lab folder, e.g. `fixtures/broken`.
 */
path: string, kind: FixtureRole, };

export type LabView = { taskHtml: string, fixtures: Array<FixtureRef>, contentHash: string, sampleParams: { [key in string]: JsonValue }, taskMarkdown: string, hintCount: number, hintCost: number, checkList: Array<CheckInfo>, id: string, title: string, competencies: Array<string>, difficulty: string, minutes: number, points: number, requires: Array<string>, checks: number, 
/**
 * How far the lab reaches: only `namespace` labs run on a shared cluster.
 */
scope: "namespace" | "cluster" | "node", 
/**
 * Why this lab cannot run on this machine (host capabilities from the doctor), if it cannot.
 */
unavailable?: string, };

export type HintView = { number: number, of: number, html: string, 
/**
 * Points deducted so far on this attempt.
 */
totalPenalty: number, };

export type SolutionView = { html: string, };

export type Status = "pass" | "fail" | "error";

export type ObjectRef = { kind: string, namespace?: string, name: string, };

export type Finding = { object?: ObjectRef, container?: string, 
/**
 * `node:path` for node files.
 */
file?: string, 
/**
 * A short name for the rule that failed (PSA check id, flag name, …).
 */
rule?: string, expected?: string, found?: string, message: string, };

export type Outcome = { checkId: string, status: Status, pointsAwarded: number, pointsPossible: number, 
/**
 * One-line summary.
 */
message: string, 
/**
 * Every concrete problem (empty on pass).
 */
findings?: Array<Finding>, doc?: string, };

export type CheckResult = { checkId: string, status: Status, pointsAwarded: number, pointsPossible: number, message: string, findings: Array<Finding>, doc: string | null, };

export type Grade = { id: number, attemptId: number, gradedAt: string, pointsAwarded: number, pointsPossible: number, hintPenalty: number, passed: boolean, checks: Array<CheckResult>, };

export type GradeReport = { labId: string, title: string, attemptId: number, seed: number, params: { [key in string]: JsonValue }, grade: Grade, outcomes: Array<Outcome>, guardFailed: boolean, };

export type CompetencyProgress = { id: string, title: string, labs: number, attempted: number, passed: number, 
/**
 * 0..=1, see the module docs.
 */
score: number, 
/**
 * 0..=1, see docs/readiness.md.
 */
readiness: number, 
/**
 * What the readiness figure is made of, in words.
 */
explanation: string, };

export type DomainProgress = { id: string, title: string, weight: number, score: number, 
/**
 * Mean readiness of the domain's competencies.
 */
readiness: number, explanation: string, competencies: Array<CompetencyProgress>, };

export type LabProgress = { labId: string, attempts: number, grades: number, 
/**
 * Best score of any grade, as a fraction 0..=1.
 */
bestRatio: number, passed: boolean, lastGradedAt: string | null, };

export type ProgressReport = { domains: Array<DomainProgress>, labs: Array<LabProgress>, 
/**
 * Weighted by the exam's domain weights, 0..=1.
 */
overall: number, 
/**
 * Readiness weighted by the exam's domain weights, 0..=1.
 */
readiness: number, suggestions: Array<Suggestion>, };

export type Tool = { name: string, version: string | null, 
/**
 * How to get it when missing.
 */
install: string, };

export type Doctor = { tools: Array<Tool>, 
/**
 * `docker` or `podman`, whichever answers (docker first).
 */
engine: string | null, apparmor: boolean, btf: boolean, cgroupV2: boolean, arch: string, };

export type AppInfo = { version: string, dataDir: string, labsDir: string, contentDir: string, };

export type CommandError = { code: string, message: string, };

export type ProgressEvent = { "kind": "line", text: string, };

export type ClusterStatus = { name: string, 
/**
 * `docker` or `podman`, when one answers.
 */
engine: string | null, 
/**
 * kind knows the cluster, or a kubeconfig for it exists.
 */
exists: boolean, 
/**
 * Its API server answered.
 */
reachable: boolean, 
/**
 * Labs may change it.
 */
registered: boolean, 
/**
 * The API server's version, when it answered.
 */
version: string | null, kubeconfig: string, 
/**
 * Node containers a node shell can enter.
 */
nodes: Array<string>, 
/**
 * Why it is not usable and what to do.
 */
message: string | null, };

export type AttemptView = { labId: string, attemptId: number, 
/**
 * Decimal: replays the attempt's params with `ckslab start --seed`.
 */
seed: string, params: { [key in string]: JsonValue }, taskHtml: string, 
/**
 * RFC 3339.
 */
startedAt: string, 
/**
 * The setup's log (empty for an attempt started earlier).
 */
log: Array<string>, };

export type ResetView = { deleted: number, };

export type TerminalTarget = { "kind": "local" } | { "kind": "node", node: string, };

export type TerminalMessage = { "kind": "output", data: string, } | { "kind": "exit", code: number | null, };

export type TerminalOpened = { id: number, title: string, };

export type ExportSummary = { path: string, attempts: number, lessonsRead: number, };

export type ImportSummary = { attemptsAdded: number, attemptsSkipped: number, gradesAdded: number, };

export type AuthorReport = { path: string, labs: Array<AuthorLab>, 
/**
 * RFC 3339.
 */
checkedAt: string, };

export type AuthorLab = { dir: string, id: string | null, title: string | null, 
/**
 * Lint problems (empty when the lab loads).
 */
problems: Array<Problem>, 
/**
 * `None` when the lab does not load.
 */
selfTest: SelfTestView | null, 
/**
 * The task for sample params, sanitized.
 */
taskHtml: string | null, };

export type SelfTestView = { passed: boolean, fixtures: Array<FixtureView>, };

export type FixtureView = { 
/**
 * Inside the lab folder, e.g. `fixtures/broken`.
 */
path: string, kind: FixtureRole, passed: boolean, 
/**
 * What went wrong, empty when the fixture behaved as its kind demands.
 */
failures: Array<string>, score: number, of: number, };

export type AuthorMessage = { "kind": "report", report: AuthorReport, } | { "kind": "error", message: string, };

export type WatchStarted = { watchId: number, };

export type QuizView = { 
/**
 * 0-based.
 */
index: number, question: string, 
/**
 * Empty for a short-answer question.
 */
choices?: Array<string>, 
/**
 * The learner's latest answer.
 */
answered: QuizAnswered | null, };

export type QuizAnswered = { answer: string, correct: boolean, };

export type QuizResult = { correct: boolean, expected: string, explanation: string, };

export type Suggestion = { competency: string, title: string, reason: string, labId: string | null, lessonId: string | null, };

export type PlayMode = "gatekeeper" | "vap" | "rego";

export type PlayRequest = { mode: PlayMode, policy: string, input: string, 
/**
 * Rego mode only, e.g. `data.k8srequiredlabels.violation`.
 */
query?: string, 
/**
 * CREATE (default), UPDATE, DELETE or CONNECT.
 */
operation?: string, };

export type PlayProblem = { source: string, line: number, column: number, message: string, };

export type PlayDecision = { 
/**
 * e.g. `Pod team-a/web`.
 */
object: string, allowed: boolean, denials: Array<string>, warnings: Array<string>, };

export type PlayResult = { mode: PlayMode, problems: Array<PlayProblem>, 
/**
 * Gatekeeper and VAP modes: one per input object that is not itself a policy.
 */
decisions: Array<PlayDecision>, 
/**
 * Constraints or bindings in force.
 */
inForce: number, 
/**
 * Rego mode: the query's value; absent when it is undefined (Rego's "no result").
 */
value?: JsonValue, };

export type PlayExample = { id: string, title: string, mode: PlayMode, policy: string, input: string, query: string | null, };

export type ExamFile = { id: string, title: string, minutes: number, 
/**
 * Lab ids, in task order.
 */
tasks: Array<string>, };

export type ExamPlan = { 
/**
 * Decimal u64: the same seed and count draw the same exam.
 */
seed: string, title: string, minutes: number, tasks: Array<ExamPlanTask>, };

export type ExamPlanTask = { position: number, labId: string, title: string, domain: string, competencies: Array<string>, points: number, };

export type ExamView = { examId: number, title: string, seed: string, startedAt: string, deadline: string, remainingSeconds: number, status: "running" | "submitted", tasks: Array<ExamTaskView>, };

export type ExamTaskView = { position: number, labId: string, title: string, domain: string, points: number, 
/**
 * The task for this attempt's params, sanitized.
 */
taskHtml: string, flagged: boolean, notes: string, attemptId: number, };

export type ExamReport = { examId: number, title: string, seed: string, startedAt: string, submittedAt: string, awarded: number, possible: number, percent: number, passMark: number, passed: boolean, domains: Array<ExamDomainScore>, tasks: Array<ExamTaskResult>, };

export type ExamDomainScore = { id: string, title: string, awarded: number, possible: number, percent: number, };

export type ExamTaskResult = { position: number, labId: string, title: string, domain: string, awarded: number, possible: number, passed: boolean, 
/**
 * Checks that did not pass, with expected vs found.
 */
failed: Array<Outcome>, 
/**
 * Lessons on the task's competencies.
 */
lessons: Array<string>, };

export type ExamSummary = { examId: number, title: string, startedAt: string, status: "running" | "submitted", percent: number | null, passed: boolean | null, };

export type SetupPlan = { 
/**
 * `debian`, `ubuntu`, `fedora`, `arch`, `macos`, … (from /etc/os-release).
 */
distribution: string, missing: Array<MissingTool>, 
/**
 * `docker` or `podman`, when one answers.
 */
engine: string | null, 
/**
 * Whether CKS Lab's cluster exists already.
 */
clusterExists: boolean, 
/**
 * The command that creates it (skipped when it exists).
 */
createCluster: Array<string>, 
/**
 * Every image the labs run, pulled once and loaded into the nodes.
 */
images: Array<string>, 
/**
 * Add-ons some labs require, with what each unlocks (installed on request only).
 */
addons: Array<AddonInfo>, 
/**
 * Host features missing for some labs (AppArmor, BTF, cgroup v2).
 */
host: Array<string>, };

export type MissingTool = { name: string, why: string, 
/**
 * The command for this distribution.
 */
install: string, };

export type AddonInfo = { name: string, version: string, 
/**
 * Where its manifest comes from (empty: not automated yet, see `how`).
 */
url: string, 
/**
 * How to install it by hand when it is not automated.
 */
how: string | null, 
/**
 * SHA-256 of the manifest, when pinned in this release; otherwise the first download's
 * checksum is recorded and every later download must match it.
 */
sha256: string | null, 
/**
 * Labs that require it.
 */
unlocks: Array<string>, 
/**
 * Host features it needs.
 */
needs: Array<string>, installed: boolean, };

export type ImagesDone = { done: number, 
/**
 * Already present (pull).
 */
skipped: number, };

export type InstalledPack = { id: string, name: string, version: string, author: string, 
/**
 * Where it came from (a path or a git URL), for `packs update`.
 */
source: string, installedAt: string, 
/**
 * Lab ids as the app knows them (`<pack-id>.<lab-id>`).
 */
labs: Array<string>, };
