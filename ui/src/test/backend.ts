// A fake backend for component tests, built on Tauri's mockIPC and the JSON captured from the
// `ckslab --json` CLI (same Rust structs as the commands).
import { mockIPC } from "@tauri-apps/api/mocks";
import type {
  AddonInfo,
  AppInfo,
  AttemptView,
  AuthorReport,
  ClusterStatus,
  CompetencyProgress,
  Curriculum,
  DomainProgress,
  Doctor,
  ExamFile,
  ExamPlan,
  ExamReport,
  ExamSummary,
  ExamView,
  GradeReport,
  HintView,
  LabList,
  LabView,
  LessonSummary,
  LessonView,
  PlayExample,
  PlayRequest,
  PlayResult,
  ProgressReport,
  QuizResult,
  SetupPlan,
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
// The captured lesson still carries each quiz answer (the old shape); the app now gets QuizView
// entries without them and asks `answer_quiz`.
const quizKey = lessonShowJson.quiz.map((q) => ({ answer: q.answer, explanation: q.explanation }));
const lessonShow: LessonView = {
  ...lessonShowJson,
  status: lessonShowJson.status as LessonView["status"],
  labs: lessonShowJson.labs as [string, boolean][],
  quiz: lessonShowJson.quiz.map((q, index) => ({
    index,
    question: q.question,
    ...("choices" in q && Array.isArray(q.choices) ? { choices: q.choices } : {}),
    answered: null,
  })),
};
// Captured before readiness/explanation/suggestions existed: the dashboard falls back to `score`.
/** The progress report before readiness, explanations and suggestions existed. */
type OlderProgressReport = Omit<ProgressReport, "domains" | "readiness" | "suggestions"> & {
  domains: Array<
    Omit<DomainProgress, "readiness" | "explanation" | "competencies"> & {
      competencies: Array<Omit<CompetencyProgress, "readiness" | "explanation">>;
    }
  >;
};
// Captured in the older shape (checked against it), then handed out as is: the dashboard must
// fall back to `score` when `readiness` is absent.
const progress = progressJson as OlderProgressReport as ProgressReport;
const progressEmpty = progressEmptyJson as OlderProgressReport as ProgressReport;

/** The progress report as the issue-9 backend sends it: readiness, explanations, suggestions. */
function withReadiness(p: ProgressReport): ProgressReport {
  const r = JSON.parse(JSON.stringify(p)) as ProgressReport;
  for (const d of r.domains) {
    for (const c of d.competencies) {
      c.readiness = c.attempted > 0 ? Math.min(1, c.score + 0.3) : 0;
      c.explanation = c.attempted > 0 ? `best lab ${Math.round(c.score * 100)}% (hint −10%), quiz 3/4, lesson read` : "nothing practised yet";
    }
    d.readiness = d.competencies.reduce((a, c) => a + c.readiness, 0) / Math.max(1, d.competencies.length);
    d.explanation = `mean of ${d.competencies.length} competencies`;
  }
  r.readiness = r.domains.reduce((a, d) => a + d.readiness * d.weight, 0) / 100;
  r.suggestions = [
    {
      competency: "cs.network-policies",
      title: "Use network security policies to restrict cluster level access",
      reason: "your latest netpol attempt did not pass",
      labId: "netpol-and-or-selectors",
      lessonId: "network-policies",
    },
    {
      competency: "cs.cis-benchmark",
      title: "Use CIS benchmark to review the security configuration",
      reason: "not practised yet",
      labId: null,
      lessonId: "cis-benchmark",
    },
  ];
  return r;
}
const progressReadiness = withReadiness(progress);

const playExamples: PlayExample[] = [
  {
    id: "gatekeeper-required-labels",
    title: "Gatekeeper: required labels",
    mode: "gatekeeper",
    policy: "apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nmetadata:\n  name: k8srequiredlabels\n",
    input: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
    query: null,
  },
  {
    id: "vap-replicas-limit",
    title: "VAP: at most 5 replicas",
    mode: "vap",
    policy: "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\n",
    input: "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 9\n",
    query: null,
  },
  {
    id: "rego-plain",
    title: "Plain Rego",
    mode: "rego",
    policy: "package play\n\nallow if input.user == \"admin\"\n",
    input: '{"user": "admin"}',
    query: "data.play.allow",
  },
];

/** `play` of the Gatekeeper example: one object denied (multi-line message), one allowed. */
const playResult: PlayResult = {
  mode: "gatekeeper",
  problems: [],
  inForce: 1,
  decisions: [
    {
      object: "Namespace shop",
      allowed: false,
      denials: ["[must-have-owner] you must provide labels: {\"owner\"}\n  missing: owner"],
      warnings: [],
    },
    { object: "Namespace ops", allowed: true, denials: [], warnings: ["label team is deprecated"] },
  ],
};

/** `play` with a policy that does not parse. */
const playProblems: PlayResult = {
  mode: "gatekeeper",
  problems: [
    { source: "policy", line: 3, column: 5, message: "rego_parse_error: unexpected ident token\n  violation[{\"msg\": msg}] {\n      ^" },
    { source: "input", line: 2, column: 0, message: "objects: expected a mapping" },
  ],
  inForce: 0,
  decisions: [],
};

const playRego: PlayResult = { mode: "rego", problems: [], inForce: 0, decisions: [], value: { allow: true, users: ["admin"] } };

const examFiles: ExamFile[] = [
  { id: "mock-1", title: "Mock exam 1", minutes: 120, tasks: ["netpol-and-or-selectors", "sa-disable-automount"] },
];

const examPlan: ExamPlan = {
  seed: "4242",
  title: "Random exam (16 tasks)",
  minutes: 120,
  tasks: [
    { position: 1, labId: "netpol-and-or-selectors", title: "Restrict who can reach the database", domain: "cluster-setup", competencies: ["cs.network-policies"], points: 4 },
    { position: 2, labId: "sa-disable-automount", title: "Give a workload its own ServiceAccount", domain: "cluster-hardening", competencies: ["ch.service-accounts"], points: 3 },
  ],
};

const examView: ExamView = {
  examId: 3,
  title: "Random exam (16 tasks)",
  seed: "4242",
  startedAt: "2026-11-27T07:00:00Z",
  deadline: "2026-11-27T09:00:00Z",
  remainingSeconds: 7200,
  status: "running",
  tasks: [
    {
      position: 1,
      labId: "netpol-and-or-selectors",
      title: "Restrict who can reach the database",
      domain: "cluster-setup",
      points: 4,
      taskHtml: "<p>In namespace <code>payments-k3x</code>, allow only the web pods to reach the database.</p>\n",
      flagged: false,
      notes: "",
      attemptId: 21,
    },
    {
      position: 2,
      labId: "sa-disable-automount",
      title: "Give a workload its own ServiceAccount",
      domain: "cluster-hardening",
      points: 3,
      taskHtml: "<p>Stop the <code>api</code> Deployment mounting a token.</p>\n",
      flagged: true,
      notes: "check automount on the pod spec too",
      attemptId: 22,
    },
  ],
};

const examReport: ExamReport = {
  examId: 3,
  title: "Random exam (16 tasks)",
  seed: "4242",
  startedAt: "2026-11-27T07:00:00Z",
  submittedAt: "2026-11-27T08:40:00Z",
  awarded: 3,
  possible: 7,
  percent: 42.857,
  passMark: 67,
  passed: false,
  domains: [
    { id: "cluster-setup", title: "Cluster Setup", awarded: 0, possible: 4, percent: 0 },
    { id: "cluster-hardening", title: "Cluster Hardening", awarded: 3, possible: 3, percent: 100 },
  ],
  tasks: [
    {
      position: 1,
      labId: "netpol-and-or-selectors",
      title: "Restrict who can reach the database",
      domain: "cluster-setup",
      awarded: 0,
      possible: 4,
      passed: false,
      failed: [
        {
          checkId: "db-ingress-allowlist",
          status: "fail",
          pointsAwarded: 0,
          pointsPossible: 4,
          message: "the db pods accept traffic from every pod",
          findings: [{ message: "no NetworkPolicy selects app=db" }],
        },
      ],
      lessons: ["network-policies"],
    },
    {
      position: 2,
      labId: "sa-disable-automount",
      title: "Give a workload its own ServiceAccount",
      domain: "cluster-hardening",
      awarded: 3,
      possible: 3,
      passed: true,
      failed: [],
      lessons: [],
    },
  ],
};

const examHistory: ExamSummary[] = [
  { examId: 3, title: "Random exam (16 tasks)", startedAt: "2026-11-27T07:00:00Z", status: "submitted", percent: 42.857, passed: false },
  { examId: 2, title: "Mock exam 1", startedAt: "2026-11-20T07:00:00Z", status: "submitted", percent: 75, passed: true },
];
/** Add-ons: one automated (not installed), one installed, one only by hand. */
const addons: AddonInfo[] = [
  {
    name: "gatekeeper",
    version: "v3.18.2",
    url: "https://raw.githubusercontent.com/open-policy-agent/gatekeeper/v3.18.2/deploy/gatekeeper.yaml",
    how: null,
    sha256: null,
    unlocks: ["gatekeeper-required-labels", "gatekeeper-allowed-repos"],
    needs: [],
    installed: false,
  },
  {
    name: "metrics-server",
    version: "v0.7.2",
    url: "https://github.com/kubernetes-sigs/metrics-server/releases/download/v0.7.2/components.yaml",
    how: null,
    sha256: "0f3a8c1b2d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd",
    unlocks: [],
    needs: [],
    installed: true,
  },
  {
    name: "falco",
    version: "0.39.1",
    url: "",
    how: "helm install falco falcosecurity/falco -n falco --create-namespace",
    sha256: null,
    unlocks: ["falco-shell-in-container"],
    needs: ["kernel BTF"],
    installed: false,
  },
];

/** `setup_plan` on a fresh Ubuntu machine: docker, but no kind or kubectl and no cluster. */
const setupPlan: SetupPlan = {
  distribution: "ubuntu",
  missing: [
    {
      name: "kind",
      why: "creates the practice cluster",
      install: "curl -Lo ./kind https://kind.sigs.k8s.io/dl/v0.29.0/kind-linux-amd64 && sudo install ./kind /usr/local/bin/kind",
    },
    { name: "kubectl", why: "every lab uses it", install: "sudo snap install kubectl --classic" },
  ],
  engine: "docker",
  clusterExists: false,
  createCluster: ["kind", "create", "cluster", "--name", "cks", "--config", "/home/learner/.local/share/ckslab/kind.yaml"],
  images: ["docker.io/library/nginx:1.27", "docker.io/library/redis:7.4", "registry.k8s.io/pause:3.10"],
  addons,
  host: ["AppArmor is not enabled: the AppArmor labs are unavailable"],
};

/** `setup_plan` once everything is done. */
const setupDone: SetupPlan = { ...setupPlan, missing: [], clusterExists: true, host: [] };

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
  progressReadiness,
  /** Each quiz question's answer and explanation, by index (what `answer_quiz` compares with). */
  quizKey,
  playExamples,
  playResult,
  playProblems,
  playRego,
  examFiles,
  examPlan,
  examView,
  examReport,
  examHistory,
  setupPlan,
  setupDone,
  addons,
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
    answer_quiz: (a) => {
      const key = quizKey[Number(a?.index)];
      if (!key) throw { code: "quiz-not-found", message: `no question ${String(a?.index)}` };
      const answer = String(a?.answer ?? "").trim();
      return <QuizResult>{
        correct: answer.toLowerCase() === key.answer.toLowerCase(),
        expected: key.answer,
        explanation: key.explanation,
      };
    },
    play_examples: () => clone(playExamples),
    play: (a) => ((a?.request as PlayRequest | undefined)?.mode === "rego" ? clone(playRego) : clone(playResult)),
    exam_files: () => clone(examFiles),
    exam_plan: () => clone(examPlan),
    exam_start: () => clone(examView),
    exam_current: () => null,
    exam_flag: () => null,
    exam_note: () => null,
    exam_submit: () => clone(examReport),
    exam_report: () => clone(examReport),
    exam_history: () => clone(examHistory),
    setup_plan: () => clone(setupPlan),
    addons_list: () => clone(addons),
    images_pull: () => ({ done: setupPlan.images.length, skipped: 0 }),
    images_load: () => ({ done: setupPlan.images.length, skipped: 0 }),
    addon_install: (a) => {
      const found = addons.find((x) => x.name === a?.name);
      if (!found) throw { code: "addon", message: `no add-on ${String(a?.name)}` };
      return { ...clone(found), installed: true };
    },
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
