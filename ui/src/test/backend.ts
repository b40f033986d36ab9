// A fake backend for component tests, built on Tauri's mockIPC and the JSON captured from the
// `ckslab --json` CLI (same Rust structs as the commands).
import { mockIPC } from "@tauri-apps/api/mocks";
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
  appInfo: <AppInfo>{
    version: "0.1.0",
    dataDir: "/home/learner/.local/share/ckslab",
    labsDir: "/usr/share/ckslab/labs",
    contentDir: "/usr/share/ckslab/content",
  },
};

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
