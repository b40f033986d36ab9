// Global keyboard shortcuts: "g d" / "g c" / "g s" / "g a" / "g e" (mock exam) / "g p"
// (playground) and Alt+1..6 in nav order. None fire while typing
// in a form field or the terminal.
import { href } from "./router";

const TARGETS: Record<string, string> = {
  d: href.dashboard(),
  c: href.curriculum(),
  s: href.settings(),
  a: href.author(),
  e: href.exam(),
  p: href.playground(),
  "1": href.dashboard(),
  "2": href.curriculum(),
  "3": href.settings(),
  "4": href.author(),
  "5": href.exam(),
  "6": href.playground(),
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

/** Keys typed into the terminal belong to the shell (xterm's helper textarea lives in `.xterm`). */
function inTerminal(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest(".xterm, [data-terminal]") !== null;
}

/** A key handler that calls `go(hash)`; keeps the pending "g" between calls. */
export function shortcutHandler(go: (hash: string) => void, timeoutMs = 1500) {
  let pendingSince = 0;
  return (e: KeyboardEvent): void => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || inTerminal(e.target)) return;
    if (e.altKey && !e.shiftKey) {
      const digit = /^Digit([1-6])$/.exec(e.code)?.[1] ?? (/^[1-6]$/.test(e.key) ? e.key : null);
      if (digit) {
        e.preventDefault();
        go(TARGETS[digit]!);
      }
      return;
    }
    if (e.altKey || typingInto(e.target)) return;
    const key = e.key.toLowerCase();
    const now = Date.now();
    if (pendingSince && now - pendingSince <= timeoutMs && key in TARGETS && /[dcsaep]/.test(key)) {
      pendingSince = 0;
      e.preventDefault();
      go(TARGETS[key]!);
      return;
    }
    pendingSince = key === "g" && !e.shiftKey ? now : 0;
  };
}
