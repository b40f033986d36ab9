// A fake backend for component tests, built on Tauri's mockIPC and the JSON captured from the
// `ckslab --json` CLI (same Rust structs as the commands).
import { mockIPC } from "@tauri-apps/api/mocks";
import type {
  AppInfo,
  AttemptView,
  AuthorReport,
  ClusterStatus,
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
} from "../lib/types";
import curriculumJson from "./fixtures/curriculum.json";
import labsListJson from "./fixtures/labs-list.json";
import labGetJson from "./fixtures/lab-get.json";
import lessonsListJson from "./fixtures/lessons-list.json";
import lessonShowJson from "./fixtures/lesson-show.json";
import progressJson from "./fixtures/progress.json";
import progressEmptyJson from "./fixtures/progress-empty.json";
import doctorJson from "./fixtures/doctor.json";
import gradeNetpolJson from "./fixtures/grade-netpol-broken.json";
import gradeSolvedJson from "./fixtures/grade-solved.json";

// `as` (not a bare cast through unknown) so TypeScript still checks that the captured JSON is
// comparable with the DTO types.
const curriculum = curriculumJson as Curriculum;
const labsList = labsListJson as LabList;
const labGet = labGetJson as LabView;
const lessonsList = lessonsListJson as LessonSummary[];
const lessonShow = lessonShowJson as LessonView;
const progress = progressJson as ProgressReport;
const progressEmpty = progressEmptyJson as ProgressReport;
const doctor = doctorJson as Doctor;
const gradeNetpol = gradeNetpolJson as GradeReport;
const gradeSolved = gradeSolvedJson as GradeReport;

export const fixtures = {
  curriculum,
  labsList,
  labGet,
  lessonsList,
  lessonShow,
  progress,
  progressEmpty,
  doctor,
  gradeNetpol,
  gradeSolved,
  /** What `reveal_hint` renders for the netpol lab's three hints (sanitized HTML, as Rust sends it). */
  hintHtml: [
    "<p>Two peers in one <code>from</code> entry are <strong>AND</strong>ed; two entries are <strong>OR</strong>ed.</p>\n",
    "<p>Select the <code>telemetry</code> namespace by its label <code>purpose=monitoring</code>.</p>\n",
    "<p>One policy with <code>podSelector: {matchLabels: {app: db}}</code> and two ingress rules is enough.</p>\n",
  ],
  solution: <SolutionView>{
    html: "<h2>Solution</h2>\n<p>Create a NetworkPolicy <code>db-allowlist</code> in <code>payments</code>.</p>\n<pre><code>kind: NetworkPolicy\n</code></pre>\n",
  },
  /** `cluster_status` on a machine with docker but no cluster yet. */
  clusterNone: <ClusterStatus>{
    name: "cks",
    engine: "docker",
    exists: false,
    reachable: false,
    registered: false,
    version: null,
    kubeconfig: "/home/learner/.local/share/ckslab/kubeconfig",
    nodes: [],
    message: "no cluster named cks yet: create it in Settings",
  },
  /** `cluster_status` with the app's cluster up. */
  clusterReady: <ClusterStatus>{
    name: "cks",
    engine: "docker",
    exists: true,
    reachable: true,
    registered: true,
    version: "v1.34.0",
    kubeconfig: "/home/learner/.local/share/ckslab/kubeconfig",
    nodes: ["cks-control-plane", "cks-worker"],
    message: null,
  },
  /** `lab_start` of the netpol lab. */
  attempt: <AttemptView>{
    labId: "netpol-and-or-selectors",
    attemptId: 7,
    seed: "18446744073709551557",
    params: { namespace: "payments-k3x" },
    taskHtml: "<h1>Restrict who can reach the database</h1>\n<p>In namespace <strong><code>payments-k3x</code></strong>, allow only the web pods.</p>\n",
    startedAt: "2026-11-27T07:30:00Z",
    log: ["namespace/payments-k3x created", "deployment.apps/db created"],
  },
  /** `author_check` of a folder with one good lab and one broken one. */
  authorReport: <AuthorReport>{
    path: "/home/author/labs",
    checkedAt: "2026-11-27T07:40:00Z",
    labs: [
      {
        dir: "/home/author/labs/netpol-and-or-selectors",
        id: "netpol-and-or-selectors",
        title: "Restrict who can reach the database",
        problems: [],
        selfTest: {
          passed: false,
          fixtures: [
            { path: "fixtures/broken", kind: "broken", passed: true, failures: [], score: 0, of: 4 },
            { path: "fixtures/solved", kind: "solved", passed: true, failures: [], score: 4, of: 4 },
            {
              path: "fixtures/allow-all",
              kind: "bypass",
              passed: false,
              failures: ["scored 4/4 but a bypass must not pass"],
              score: 4,
              of: 4,
            },
          ],
        },
        taskHtml: "<h1>Restrict who can reach the database</h1>\n<p>Sample task.</p>\n",
      },
      {
        dir: "/home/author/labs/half-done",
        id: null,
        title: null,
        problems: [
          { file: "lab.yaml", line: 3, column: 7, field: "points", message: "expected an integer", help: "write points: 4" },
        ],
        selfTest: null,
        taskHtml: null,
      },
    ],
  },
  appInfo: <AppInfo>{
    version: "0.1.0",
    dataDir: "/home/learner/.local/share/ckslab",
    labsDir: "/usr/share/ckslab/labs",
    contentDir: "/usr/share/ckslab/content",
  },
};

/** Send one message on a Channel a command received (mockIPC hands over the Channel object). */
export function send(channel: unknown, message: unknown): void {
  const ch = channel as { onmessage: (m: unknown) => void } | undefined;
  if (!ch || typeof ch.onmessage !== "function") throw new Error("not a Channel");
  ch.onmessage(message);
}

export type Call = { cmd: string; args: Record<string, unknown> | undefined };
type Handler = (args: Record<string, unknown> | undefined) => unknown;

/** Deep copy, so a test can change a fixture freely. */
export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Install the fake backend; `overrides` replace single commands (throw to reject). */
export function mockBackend(overrides: Record<string, Handler> = {}): Call[] {
  const calls: Call[] = [];
  // Hints revealed on the (single, pretend) latest attempt.
  let revealed = 0;
  const defaults: Record<string, Handler> = {
    app_info: () => fixtures.appInfo,
    curriculum: () => clone(curriculum),
    list_lessons: () => clone(lessonsList),
    get_lesson: () => clone(lessonShow),
    list_labs: () => clone(labsList),
    get_lab: () => clone(labGet),
    list_fixtures: () => labGet.fixtures.map((f) => f.path),
    grade_fixture: () => clone(gradeNetpol),
    progress: () => clone(progress),
    doctor: () => clone(doctor),
    reveal_hint: () => {
      const of = fixtures.hintHtml.length;
      revealed = Math.min(revealed + 1, of);
      return <HintView>{
        number: revealed,
        of,
        html: fixtures.hintHtml[revealed - 1],
        totalPenalty: revealed * labGet.hintCost,
      };
    },
    show_solution: () => clone(fixtures.solution),
    cluster_status: () => clone(fixtures.clusterNone),
    active_attempt: () => null,
    terminal_open: () => ({ id: 1, title: "local shell" }),
    terminal_write: () => null,
    terminal_resize: () => null,
    terminal_close: () => null,
    author_unwatch: () => null,
    "plugin:opener|open_url": () => null,
  };
  const handlers = { ...defaults, ...overrides };
  mockIPC((cmd, args) => {
    const a = args as Record<string, unknown> | undefined;
    calls.push({ cmd, args: a });
    const h = handlers[cmd];
    if (!h) throw { code: "test", message: `no mock for ${cmd}` };
    return h(a);
  });
  return calls;
}
