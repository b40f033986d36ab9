import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import Terminal from "./Terminal.svelte";
import { mockBackend, send } from "../test/backend";
import { FakeResizeObserver, FitAddon, Terminal as FakeTerm, resetFakeXterm } from "../test/fakeXterm";

// xterm.js needs canvas and layout, which jsdom lacks: a recording fake stands in for it.
vi.mock("@xterm/xterm", () => import("../test/fakeXterm"));
vi.mock("@xterm/addon-fit", () => import("../test/fakeXterm"));

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

/** A backend whose terminal_open hands out ids 1, 2, … and keeps each session's channel. */
function terminalBackend(overrides: Parameters<typeof mockBackend>[0] = {}) {
  const channels: unknown[] = [];
  const calls = mockBackend({
    terminal_open: (a) => {
      channels.push(a?.onEvent);
      return { id: channels.length, title: "bash" };
    },
    ...overrides,
  });
  return { calls, channels, of: (cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.args) };
}

describe("Terminal", () => {
  beforeEach(() => {
    resetFakeXterm();
    vi.stubGlobal("ResizeObserver", FakeResizeObserver);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("opens a session for its target at the fitted size, with screen-reader mode off", async () => {
    const { of } = terminalBackend();
    render(Terminal, { props: { target: { kind: "node", node: "cks-worker" } } });
    await waitFor(() => expect(of("terminal_open")).toHaveLength(1));
    expect(of("terminal_open")[0]).toMatchObject({ target: { kind: "node", node: "cks-worker" }, cols: 100, rows: 30 });
    expect(FakeTerm.last.options.screenReaderMode).toBe(false);
    await waitFor(() => expect(screen.getByTestId("terminal-title")).toHaveTextContent("bash"));
  });

  it("writes output bytes to xterm and sends typed keys with terminal_write", async () => {
    const { channels, of } = terminalBackend();
    render(Terminal, { props: { target: { kind: "local" } } });
    await waitFor(() => expect(screen.getByTestId("terminal-status")).toHaveTextContent("F6"));
    send(channels[0], { kind: "output", data: b64("$ kubectl get pods\r\n") });
    expect(FakeTerm.last.text).toBe("$ kubectl get pods\r\n");
    FakeTerm.last.type("ls -l\r");
    expect(of("terminal_write")).toEqual([{ id: 1, data: "ls -l\r" }]);
  });

  it("resizes the backend pty when the container changes size", async () => {
    const { of } = terminalBackend();
    render(Terminal, { props: { target: { kind: "local" } } });
    await waitFor(() => expect(screen.getByTestId("terminal-status")).toHaveTextContent("F6"));
    FitAddon.next = { cols: 140, rows: 40 };
    FakeResizeObserver.trigger();
    expect(of("terminal_resize")).toEqual([{ id: 1, cols: 140, rows: 40 }]);
    // Same size again: nothing to send.
    FakeResizeObserver.trigger();
    expect(of("terminal_resize")).toHaveLength(1);
  });

  it("says when the shell exits and restarts a new one", async () => {
    const { channels, of } = terminalBackend();
    render(Terminal, { props: { target: { kind: "local" } } });
    await waitFor(() => expect(of("terminal_open")).toHaveLength(1));
    await waitFor(() => expect(screen.getByTestId("terminal-status")).toHaveTextContent("F6"));
    send(channels[0], { kind: "exit", code: 0 });
    const exited = await screen.findByTestId("terminal-exited");
    expect(exited).toHaveTextContent("Shell exited (code 0)");
    // Keys after exit go nowhere.
    FakeTerm.last.type("x");
    expect(of("terminal_write")).toEqual([]);

    await fireEvent.click(screen.getByRole("button", { name: "Restart shell" }));
    await waitFor(() => expect(of("terminal_open")).toHaveLength(2));
    expect(of("terminal_open")[1]).toMatchObject({ target: { kind: "local" } });
    await waitFor(() => expect(screen.queryByTestId("terminal-exited")).not.toBeInTheDocument());
    expect(FakeTerm.last.resets).toBe(1);
    // Output of the old session is ignored; the new one writes and receives keys.
    send(channels[0], { kind: "output", data: b64("old") });
    send(channels[1], { kind: "output", data: b64("new") });
    expect(FakeTerm.last.text).toBe("new");
    await waitFor(() => expect(screen.getByTestId("terminal-status")).toHaveTextContent("F6"));
    FakeTerm.last.type("y");
    expect(of("terminal_write")).toEqual([{ id: 2, data: "y" }]);
  });

  it("closes the backend session when it goes away", async () => {
    const { of } = terminalBackend();
    const { unmount } = render(Terminal, { props: { target: { kind: "local" } } });
    await waitFor(() => expect(screen.getByTestId("terminal-status")).toHaveTextContent("F6"));
    unmount();
    expect(of("terminal_close")).toEqual([{ id: 1 }]);
    expect(FakeTerm.last.disposed).toBe(true);
  });

  it("closes a session that opens after the component is gone", async () => {
    let resolve: (v: unknown) => void = () => {};
    const { of } = terminalBackend({ terminal_open: () => new Promise((r) => (resolve = r)) });
    const { unmount } = render(Terminal, { props: { target: { kind: "local" } } });
    await waitFor(() => expect(of("terminal_open")).toHaveLength(1));
    unmount();
    resolve({ id: 9, title: "bash" });
    await waitFor(() => expect(of("terminal_close")).toEqual([{ id: 9 }]));
  });

  it("explains a failed open and retries", async () => {
    let fail = true;
    const { of } = terminalBackend({
      terminal_open: () => {
        if (fail) throw { code: "terminal", message: "docker exec cks-worker: no such container" };
        return { id: 3, title: "bash" };
      },
    });
    render(Terminal, { props: { target: { kind: "node", node: "cks-worker" } } });
    const banner = await screen.findByTestId("error-banner");
    expect(banner).toHaveTextContent("no such container");
    expect(banner).toHaveTextContent("create it in Settings → Cluster");
    fail = false;
    await fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    await waitFor(() => expect(screen.queryByTestId("error-banner")).not.toBeInTheDocument());
    expect(of("terminal_open")).toHaveLength(2);
  });

  it("does not let global shortcuts fire while typing in it", async () => {
    terminalBackend();
    const go = vi.fn();
    const { shortcutHandler } = await import("../lib/shortcuts");
    const h = shortcutHandler(go);
    window.addEventListener("keydown", h);
    render(Terminal, { props: { target: { kind: "local" } } });
    await waitFor(() => expect(FakeTerm.instances).toHaveLength(1));
    const ta = FakeTerm.last.textarea;
    await fireEvent.keyDown(ta, { key: "g" });
    await fireEvent.keyDown(ta, { key: "s" });
    await fireEvent.keyDown(ta, { key: "2", code: "Digit2", altKey: true });
    expect(go).not.toHaveBeenCalled();
    await fireEvent.keyDown(window, { key: "g" });
    await fireEvent.keyDown(window, { key: "s" });
    expect(go).toHaveBeenCalledWith("#/settings");
    window.removeEventListener("keydown", h);
  });

  it("lets F6 move focus out of the terminal", async () => {
    terminalBackend();
    render(Terminal, { props: { target: { kind: "local" } } });
    await waitFor(() => expect(FakeTerm.instances).toHaveLength(1));
    const t = FakeTerm.last;
    t.focus();
    const handled = t.keyHandler!(new KeyboardEvent("keydown", { key: "F6" }));
    expect(handled).toBe(false);
    expect(document.activeElement).toHaveClass("terminal-bar");
    expect(t.keyHandler!(new KeyboardEvent("keydown", { key: "a" }))).toBe(true);
  });
});
