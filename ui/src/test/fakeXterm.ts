// A stand-in for @xterm/xterm and @xterm/addon-fit in jsdom (no canvas, no layout):
//   vi.mock("@xterm/xterm", () => import("../test/fakeXterm"));
//   vi.mock("@xterm/addon-fit", () => import("../test/fakeXterm"));
// It records what the component writes and lets a test type keys and change the size.

type Listener<T> = (v: T) => void;
interface Disposable {
  dispose(): void;
}

function listeners<T>() {
  const set = new Set<Listener<T>>();
  return {
    add(l: Listener<T>): Disposable {
      set.add(l);
      return { dispose: () => set.delete(l) };
    },
    fire(v: T) {
      for (const l of [...set]) l(v);
    },
    get size() {
      return set.size;
    },
  };
}

export class Terminal {
  static instances: Terminal[] = [];
  /** The newest terminal. */
  static get last(): Terminal {
    const t = Terminal.instances.at(-1);
    if (!t) throw new Error("no terminal was created");
    return t;
  }

  cols = 80;
  rows = 24;
  options: Record<string, unknown>;
  written: Uint8Array[] = [];
  resets = 0;
  disposed = false;
  element: HTMLElement | undefined;
  keyHandler: ((e: KeyboardEvent) => boolean) | undefined;
  private data = listeners<string>();
  private resized = listeners<{ cols: number; rows: number }>();

  constructor(options: Record<string, unknown> = {}) {
    this.options = options;
    Terminal.instances.push(this);
  }

  loadAddon(addon: { activate(t: Terminal): void }): void {
    addon.activate(this);
  }

  open(parent: HTMLElement): void {
    const el = document.createElement("div");
    el.className = "xterm";
    const ta = document.createElement("textarea");
    ta.className = "xterm-helper-textarea";
    el.append(ta);
    parent.append(el);
    this.element = el;
  }

  /** The helper textarea xterm types into. */
  get textarea(): HTMLTextAreaElement {
    return this.element!.querySelector("textarea")!;
  }

  write(data: Uint8Array | string): void {
    this.written.push(typeof data === "string" ? new TextEncoder().encode(data) : data);
  }

  /** Everything written, decoded as UTF-8. */
  get text(): string {
    const all = new Uint8Array(this.written.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.written) {
      all.set(c, at);
      at += c.length;
    }
    return new TextDecoder().decode(all);
  }

  onData(l: Listener<string>): Disposable {
    return this.data.add(l);
  }

  onResize(l: Listener<{ cols: number; rows: number }>): Disposable {
    return this.resized.add(l);
  }

  attachCustomKeyEventHandler(h: (e: KeyboardEvent) => boolean): void {
    this.keyHandler = h;
  }

  resize(cols: number, rows: number): void {
    if (cols === this.cols && rows === this.rows) return;
    this.cols = cols;
    this.rows = rows;
    this.resized.fire({ cols, rows });
  }

  /** What the user typing `data` looks like to the component. */
  type(data: string): void {
    this.data.fire(data);
  }

  reset(): void {
    this.resets++;
    this.written = [];
  }

  focus(): void {
    this.textarea.focus();
  }

  blur(): void {
    this.textarea.blur();
  }

  dispose(): void {
    this.disposed = true;
  }
}

export class FitAddon {
  /** The size the next `fit()` proposes (what the container would hold). */
  static next = { cols: 100, rows: 30 };
  private term: Terminal | undefined;

  activate(t: Terminal): void {
    this.term = t;
  }

  fit(): void {
    this.term?.resize(FitAddon.next.cols, FitAddon.next.rows);
  }

  dispose(): void {}
}

/** Reset between tests. */
export function resetFakeXterm(): void {
  Terminal.instances = [];
  FitAddon.next = { cols: 100, rows: 30 };
}

/** A ResizeObserver jsdom lacks; `trigger()` runs every observer's callback. */
export class FakeResizeObserver {
  static all: FakeResizeObserver[] = [];
  constructor(private cb: ResizeObserverCallback) {
    FakeResizeObserver.all.push(this);
  }
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {
    FakeResizeObserver.all = FakeResizeObserver.all.filter((o) => o !== this);
  }
  static trigger(): void {
    for (const o of FakeResizeObserver.all) o.cb([], o as unknown as ResizeObserver);
  }
}
