// The DTOs the backend sends, generated from the Rust types (bindings.ts, checked by
// crates/cks-app/tests/ts_bindings.rs), plus the few names this UI gives them.
import type {
  CommandError,
  FixtureRole,
  FixtureView,
  LessonSummary,
  AuthorMessage,
  ResetView,
  TerminalMessage,
  TerminalOpened,
  WatchStarted,
} from "./bindings";

export type * from "./bindings";

export type LessonStatus = LessonSummary["status"];
export type FixtureKind = FixtureRole;
export type CommandErrorPayload = CommandError;
export type ResetSummary = ResetView;
export type TerminalEvent = TerminalMessage;
export type TerminalSession = TerminalOpened;
export type SelfTestFixture = FixtureView;
export type AuthorWatch = WatchStarted;
export type AuthorWatchMessage = AuthorMessage;

// ---- pending bindings (issue 9) ----
// The practice-feature DTOs from the backend contract, declared here until bindings.ts is
// regenerated with them; then this whole block (including the four widened types that shadow
// bindings.ts: LessonView, CompetencyProgress, DomainProgress, ProgressReport) is deleted.
import type {
  CompetencyProgress as BindingsCompetencyProgress,
  DomainProgress as BindingsDomainProgress,
  JsonValue,
  LessonView as BindingsLessonView,
  Outcome,
  ProgressReport as BindingsProgressReport,
} from "./bindings";

export type PlayMode = "gatekeeper" | "vap" | "rego";
export type PlayRequest = { mode: PlayMode, policy: string, input: string, query?: string, operation?: string };
export type PlayProblem = { source: string /* "policy" | "input" */, line: number, column: number /* 0 = unknown */, message: string };
export type PlayDecision = { object: string, allowed: boolean, denials: Array<string>, warnings: Array<string> };
export type PlayResult = { mode: PlayMode, problems: Array<PlayProblem>, decisions: Array<PlayDecision>, inForce: number, value?: JsonValue };
export type PlayExample = { id: string, title: string, mode: PlayMode, policy: string, input: string, query: string | null };

export type ExamFile = { id: string, title: string, minutes: number, tasks: Array<string> };
export type ExamPlanTask = { position: number, labId: string, title: string, domain: string, competencies: Array<string>, points: number };
export type ExamPlan = { seed: string, title: string, minutes: number, tasks: Array<ExamPlanTask> };
export type ExamTaskView = { position: number, labId: string, title: string, domain: string, points: number, taskHtml: string, flagged: boolean, notes: string, attemptId: number };
export type ExamView = { examId: number, title: string, seed: string, startedAt: string, deadline: string, remainingSeconds: number, status: "running" | "submitted", tasks: Array<ExamTaskView> };
export type ExamDomainScore = { id: string, title: string, awarded: number, possible: number, percent: number };
export type ExamTaskResult = { position: number, labId: string, title: string, domain: string, awarded: number, possible: number, passed: boolean, failed: Array<Outcome>, lessons: Array<string> /* lesson ids to study */ };
export type ExamReport = { examId: number, title: string, seed: string, startedAt: string, submittedAt: string, awarded: number, possible: number, percent: number, passMark: number /* 67 */, passed: boolean, domains: Array<ExamDomainScore>, tasks: Array<ExamTaskResult> };
export type ExamSummary = { examId: number, title: string, startedAt: string, status: "running" | "submitted", percent: number | null, passed: boolean | null };

export type QuizView = { index: number, question: string, choices?: Array<string>, answered: QuizAnswered | null };
export type QuizAnswered = { answer: string, correct: boolean };
export type QuizResult = { correct: boolean, expected: string, explanation: string };
export type LessonView = Omit<BindingsLessonView, "quiz"> & { quiz: Array<QuizView> };

export type CompetencyProgress = BindingsCompetencyProgress & { readiness: number, explanation: string };
export type DomainProgress = Omit<BindingsDomainProgress, "competencies"> & { readiness: number, explanation: string, competencies: Array<CompetencyProgress> };
export type ProgressReport = Omit<BindingsProgressReport, "domains"> & {
  domains: Array<DomainProgress>,
  suggestions: Array<{ competency: string, title: string, reason: string, labId: string | null, lessonId: string | null }>,
};
// ---- end pending bindings (issue 9) ----

/** One "Practise next" entry of the progress report. */
export type Suggestion = ProgressReport["suggestions"][number];
