#!/usr/bin/env python3
"""Benchmark the desktop app: cold start to first content, and idle memory across its processes.

Usage: scripts/bench-desktop.py PATH_TO_APP_BINARY [RUNS]   (build it with
`cargo build --release -p ckslab-desktop`; needs Xvfb, tauri-driver and WebKitWebDriver)

Cold start: from the WebDriver "new session" request (which spawns the app) until the dashboard's
readiness chart is in the DOM; the WebDriver handshake is included, so the figure is an upper
bound. Idle memory: 5 s after first content, the proportional set size (PSS, from
/proc/<pid>/smaps_rollup, so shared libraries are not double-counted) of the app and every
WebKit process it started. Goals (DESIGN §10, issue 4): ≤ 1 s and ≤ 150 MB.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "e2e"))
import desktop_e2e as e2e  # noqa: E402


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def descendants(root):
    out = subprocess.run(["ps", "-eo", "pid=,ppid=,comm="], capture_output=True, text=True).stdout
    children = {}
    names = {}
    for line in out.splitlines():
        parts = line.split(None, 2)
        if len(parts) < 3:
            continue
        pid, ppid, comm = int(parts[0]), int(parts[1]), parts[2]
        children.setdefault(ppid, []).append(pid)
        names[pid] = comm
    found, stack = [], [root]
    while stack:
        p = stack.pop()
        for c in children.get(p, []):
            found.append((c, names.get(c, "?")))
            stack.append(c)
    return found


def main():
    app = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    tmp = tempfile.mkdtemp(prefix="ckslab-bench-")
    display = f":{e2e.free_port() % 400 + 100}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    starts, memory = [], []
    try:
        for i in range(runs):
            port, native = e2e.free_port(), e2e.free_port()
            app_env = {"CKSLAB_DATA_DIR": os.path.join(tmp, f"data{i}"),
                       "CKSLAB_LABS": os.path.join(e2e.ROOT, "labs"),
                       "CKSLAB_CONTENT": os.path.join(e2e.ROOT, "content")}
            env = dict(os.environ, DISPLAY=display, **app_env)
            tdriver = subprocess.Popen(["tauri-driver", "--port", str(port), "--native-port", str(native)],
                                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            d = e2e.Driver(port)
            t0 = time.time()
            d.start(app, app_env)
            d.find('[data-testid="readiness-chart"]', timeout=60)
            starts.append(time.time() - t0)
            time.sleep(5)
            procs = [(p, n) for p, n in descendants(tdriver.pid)]
            total = sum(pss_kib(p) for p, n in procs if n not in ("WebKitWebDriver",))
            memory.append(total / 1024)
            print(f"run {i + 1}: first content {starts[-1]:.2f} s; idle PSS {memory[-1]:.0f} MiB over "
                  + ", ".join(sorted({n for _, n in procs if n != 'WebKitWebDriver'})))
            d.quit()
            tdriver.terminate()
            tdriver.wait(timeout=10)
    finally:
        xvfb.terminate()
    print(f"cold start to first content: median {statistics.median(starts):.2f} s (min {min(starts):.2f}, max {max(starts):.2f}, n={runs})")
    print(f"idle memory (PSS, app + WebKit processes): median {statistics.median(memory):.0f} MiB (min {min(memory):.0f}, max {max(memory):.0f})")


if __name__ == "__main__":
    main()
