import { describe, expect, it, vi } from "vitest";
import { ckslabLinkToHash, parseHash } from "./router";
import { clock, fixtureLabel, pct, points } from "./format";
import { shortcutHandler } from "./shortcuts";

describe("router", () => {
  it("parses every route", () => {
    expect(parseHash("")).toEqual({ name: "dashboard" });
    expect(parseHash("#/")).toEqual({ name: "dashboard" });
    expect(parseHash("#/curriculum")).toEqual({ name: "curriculum" });
    expect(parseHash("#/settings")).toEqual({ name: "settings" });
    expect(parseHash("#/lesson/network-policies")).toEqual({ name: "lesson", id: "network-policies" });
    expect(parseHash("#/lab/netpol-default-deny")).toEqual({ name: "lab", id: "netpol-default-deny" });
    expect(parseHash("#/lab/")).toEqual({ name: "not-found", path: "/lab" });
    expect(parseHash("#/nope/a/b")).toMatchObject({ name: "not-found" });
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
