import { describe, expect, it, vi } from "vitest";
import { ckslabLinkToHash, parseHash } from "./router";
import { clock, fixtureLabel, lineColumn, offsetOf, pct, percent, points, readinessOf } from "./format";
import { shortcutHandler } from "./shortcuts";
import { appLinks } from "./links";
import { mockBackend } from "../test/backend";

describe("router", () => {
  it("parses every route", () => {
    expect(parseHash("")).toEqual({ name: "dashboard" });
    expect(parseHash("#/")).toEqual({ name: "dashboard" });
    expect(parseHash("#/curriculum")).toEqual({ name: "curriculum" });
    expect(parseHash("#/settings")).toEqual({ name: "settings" });
    expect(parseHash("#/author")).toEqual({ name: "author" });
    expect(parseHash("#/lesson/network-policies")).toEqual({ name: "lesson", id: "network-policies" });
    expect(parseHash("#/lab/netpol-default-deny")).toEqual({ name: "lab", id: "netpol-default-deny" });
    expect(parseHash("#/lab/")).toEqual({ name: "not-found", path: "/lab" });
    expect(parseHash("#/nope/a/b")).toMatchObject({ name: "not-found" });
    expect(parseHash("#/playground")).toEqual({ name: "playground" });
    expect(parseHash("#/exam")).toEqual({ name: "exam" });
    expect(parseHash("#/exam/12/task/3")).toEqual({ name: "exam-task", examId: 12, position: 3 });
    expect(parseHash("#/exam/12/report")).toEqual({ name: "exam-report", examId: 12 });
    expect(parseHash("#/exam/x/report")).toMatchObject({ name: "not-found" });
    expect(parseHash("#/exam/12/task/")).toMatchObject({ name: "not-found" });
    expect(parseHash("#/exam/12")).toMatchObject({ name: "not-found" });
  });

  it("maps ckslab:// links and rejects anything else", () => {
    expect(ckslabLinkToHash("ckslab://lab/netpol-default-deny")).toBe("#/lab/netpol-default-deny");
    expect(ckslabLinkToHash("ckslab://lesson/rbac")).toBe("#/lesson/rbac");
    expect(ckslabLinkToHash("ckslab://lab/../../etc")).toBeNull();
    expect(ckslabLinkToHash("ckslab://settings")).toBeNull();
    expect(ckslabLinkToHash("javascript:alert(1)")).toBeNull();
  });
});

describe("format", () => {
  it("maps line/column to offsets and back, clamped to the text", () => {
    const text = "ab\ncdef\n\ng";
    expect(offsetOf(text, 1, 1)).toBe(0);
    expect(offsetOf(text, 2, 3)).toBe(5);
    expect(offsetOf(text, 2, 0)).toBe(3);
    expect(offsetOf(text, 2, 99)).toBe(7);
    expect(offsetOf(text, 99, 1)).toBe(9);
    expect(offsetOf(text, 0, 0)).toBe(0);
    expect(lineColumn(text, 5)).toEqual({ line: 2, column: 3 });
    expect(lineColumn(text, 0)).toEqual({ line: 1, column: 1 });
  });

  it("prefers readiness over the older score, and formats 0..100 percentages", () => {
    expect(readinessOf({ score: 0.2 })).toBe(0.2);
    expect(readinessOf({ score: 0.2, readiness: 0.7 })).toBe(0.7);
    expect(percent(42.857)).toBe("43%");
    expect(percent(null)).toBe("—");
  });

  it("formats percentages, clocks and fixture labels", () => {
    expect(pct(0.0375)).toBe("4%");
    expect(pct(1)).toBe("100%");
    expect(pct(Number.NaN)).toBe("0%");
    expect(clock(65)).toBe("01:05");
    expect(clock(3725)).toBe("1:02:05");
    expect(fixtureLabel({ path: "fixtures/broken", kind: "broken" })).toBe("Broken — the state right after setup");
    expect(fixtureLabel({ path: "fixtures/solved", kind: "solved" })).toBe("Solved — the reference solution");
    expect(fixtureLabel({ path: "fixtures/match-expressions", kind: "alsoCorrect" })).toBe(
      "Also correct — match-expressions",
    );
    expect(fixtureLabel({ path: "fixtures/allow-all/", kind: "bypass" })).toBe("Bypass (should fail) — allow-all");
    expect(points(1)).toBe("1 point");
    expect(points(3)).toBe("3 points");
  });
});

describe("shortcuts", () => {
  const key = (k: string, init: KeyboardEventInit = {}) => new KeyboardEvent("keydown", { key: k, ...init });

  it("supports g-prefixed keys and Alt+digit", () => {
    const go = vi.fn();
    const h = shortcutHandler(go);
    h(key("g"));
    h(key("c"));
    expect(go).toHaveBeenLastCalledWith("#/curriculum");
    h(key("s"));
    expect(go).toHaveBeenCalledTimes(1);
    h(key("3", { altKey: true, code: "Digit3" }));
    expect(go).toHaveBeenLastCalledWith("#/settings");
  });

  it("reaches the mock exam and the playground", () => {
    const go = vi.fn();
    const h = shortcutHandler(go);
    h(key("g"));
    h(key("e"));
    expect(go).toHaveBeenLastCalledWith("#/exam");
    h(key("g"));
    h(key("p"));
    expect(go).toHaveBeenLastCalledWith("#/playground");
    h(key("5", { altKey: true, code: "Digit5" }));
    expect(go).toHaveBeenLastCalledWith("#/exam");
    h(key("6", { altKey: true, code: "Digit6" }));
    expect(go).toHaveBeenLastCalledWith("#/playground");
    h(key("7", { altKey: true, code: "Digit7" }));
    expect(go).toHaveBeenCalledTimes(4);
  });

  it("ignores keys typed into form fields", () => {
    const go = vi.fn();
    const h = shortcutHandler(go);
    const input = document.createElement("input");
    document.body.append(input);
    const ev = (k: string) => {
      const e = key(k, { bubbles: true });
      Object.defineProperty(e, "target", { value: input });
      return e;
    };
    h(ev("g"));
    h(ev("d"));
    expect(go).not.toHaveBeenCalled();
    input.remove();
  });
});

describe("shortcuts and the terminal", () => {
  const key = (k: string, target: Element, init: KeyboardEventInit = {}) => {
    const e = new KeyboardEvent("keydown", { key: k, bubbles: true, ...init });
    Object.defineProperty(e, "target", { value: target });
    return e;
  };

  it("never fires while typing in the terminal, even Alt+digit", () => {
    const go = vi.fn();
    const h = shortcutHandler(go);
    const term = document.createElement("div");
    term.className = "xterm";
    const ta = document.createElement("textarea");
    term.append(ta);
    document.body.append(term);
    h(key("g", ta));
    h(key("d", ta));
    h(key("1", ta, { altKey: true, code: "Digit1" }));
    expect(go).not.toHaveBeenCalled();
    // Outside the terminal they still work.
    h(key("g", document.body));
    h(key("a", document.body));
    expect(go).toHaveBeenLastCalledWith("#/author");
    h(key("4", document.body, { altKey: true, code: "Digit4" }));
    expect(go).toHaveBeenCalledTimes(2);
    term.remove();
  });
});

describe("links in sanitized html", () => {
  it("opens web links in the system browser and never navigates the webview", async () => {
    const calls = mockBackend();
    const root = document.createElement("div");
    root.innerHTML =
      '<a href="https://kubernetes.io/docs/">docs</a> <a href="ckslab://lab/netpol-default-deny">lab</a>';
    document.body.append(root);
    const detach = appLinks(root);
    const [web, lab] = [...root.querySelectorAll("a")];
    expect(web).toHaveAttribute("rel", "noopener noreferrer");
    const click = new MouseEvent("click", { bubbles: true, cancelable: true });
    web!.dispatchEvent(click);
    expect(click.defaultPrevented).toBe(true);
    await Promise.resolve();
    expect(calls).toEqual([{ cmd: "plugin:opener|open_url", args: { url: "https://kubernetes.io/docs/" } }]);

    const inApp = new MouseEvent("click", { bubbles: true, cancelable: true });
    lab!.dispatchEvent(inApp);
    expect(inApp.defaultPrevented).toBe(true);
    expect(window.location.hash).toBe("#/lab/netpol-default-deny");
    expect(calls).toHaveLength(1);
    detach();
    root.remove();
  });
});
