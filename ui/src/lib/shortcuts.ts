// Global keyboard shortcuts: "g d" / "g c" / "g s" and Alt+1..3.
import { href } from "./router";

const TARGETS: Record<string, string> = {
  d: href.dashboard(),
  c: href.curriculum(),
  s: href.settings(),
  "1": href.dashboard(),
  "2": href.curriculum(),
  "3": href.settings(),
};

function typingInto(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable ||
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement
  );
}

/** A key handler that calls `go(hash)`; keeps the pending "g" between calls. */
export function shortcutHandler(go: (hash: string) => void, timeoutMs = 1500) {
  let pendingSince = 0;
  return (e: KeyboardEvent): void => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey) return;
    if (e.altKey && !e.shiftKey) {
      const digit = /^Digit([1-3])$/.exec(e.code)?.[1] ?? (/^[1-3]$/.test(e.key) ? e.key : null);
      if (digit) {
        e.preventDefault();
        go(TARGETS[digit]!);
      }
      return;
    }
    if (e.altKey || typingInto(e.target)) return;
    const key = e.key.toLowerCase();
    const now = Date.now();
    if (pendingSince && now - pendingSince <= timeoutMs && key in TARGETS && /[dcs]/.test(key)) {
      pendingSince = 0;
      e.preventDefault();
      go(TARGETS[key]!);
      return;
    }
    pendingSince = key === "g" && !e.shiftKey ? now : 0;
  };
}
