// Hash routing: #/, #/curriculum, #/lesson/<id>, #/lab/<id>, #/settings, #/author, #/playground,
// #/exam, #/exam/<examId>/task/<position>, #/exam/<examId>/report.

export type Route =
  | { name: "dashboard" }
  | { name: "curriculum" }
  | { name: "lesson"; id: string }
  | { name: "lab"; id: string }
  | { name: "settings" }
  | { name: "author" }
  | { name: "playground" }
  | { name: "exam" }
  | { name: "exam-task"; examId: number; position: number }
  | { name: "exam-report"; examId: number }
  | { name: "not-found"; path: string };

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, "").replace(/^\/+/, "").replace(/\/+$/, "");
  const parts = path === "" ? [] : path.split("/");
  const [head, id, ...rest] = parts;
  if (head === undefined) return { name: "dashboard" };
  if (head === "exam") {
    const examId = id !== undefined && /^\d{1,15}$/.test(id) ? Number(id) : null;
    if (id === undefined) return { name: "exam" };
    if (examId !== null && rest.length === 1 && rest[0] === "report") return { name: "exam-report", examId };
    if (examId !== null && rest.length === 2 && rest[0] === "task" && /^\d{1,6}$/.test(rest[1]!)) {
      return { name: "exam-task", examId, position: Number(rest[1]) };
    }
  }
  if (rest.length === 0 && id === undefined) {
    if (head === "curriculum") return { name: "curriculum" };
    if (head === "settings") return { name: "settings" };
    if (head === "author") return { name: "author" };
    if (head === "playground") return { name: "playground" };
  }
  if (rest.length === 0 && id !== undefined && id !== "") {
    if (head === "lesson") return { name: "lesson", id: decode(id) };
    if (head === "lab") return { name: "lab", id: decode(id) };
  }
  return { name: "not-found", path: "/" + path };
}

export const href = {
  dashboard: () => "#/",
  curriculum: () => "#/curriculum",
  settings: () => "#/settings",
  author: () => "#/author",
  playground: () => "#/playground",
  exam: () => "#/exam",
  examTask: (examId: number, position: number) => `#/exam/${examId}/task/${position}`,
  examReport: (examId: number) => `#/exam/${examId}/report`,
  lesson: (id: string) => `#/lesson/${encodeURIComponent(id)}`,
  lab: (id: string) => `#/lab/${encodeURIComponent(id)}`,
};

export function navigate(hash: string): void {
  window.location.hash = hash;
}

/** Map an in-content `ckslab://lab/<id>` or `ckslab://lesson/<id>` link to an app hash. */
export function ckslabLinkToHash(link: string): string | null {
  const m = /^ckslab:\/\/(lab|lesson)\/([A-Za-z0-9._-]+)\/?$/.exec(link.trim());
  if (!m) return null;
  const [, kind, id] = m;
  return kind === "lab" ? href.lab(id!) : href.lesson(id!);
}
