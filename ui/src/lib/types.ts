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
