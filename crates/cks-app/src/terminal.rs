//! Terminals for the lab workspace: a shell (or a node shell) in a PTY, its output coalesced
//! into chunks for the webview, input and resize by session id.
//!
//! Reads from a PTY block, so each session has a reader thread and a forwarder thread that
//! batches output (every 16 ms or 4 KiB) before calling the sink: the webview gets a few
//! messages per frame instead of one per byte burst. Bytes are passed through untouched (the
//! terminal emulator decodes UTF-8 across chunk edges). The only bytes written to a PTY are the
//! learner's keys.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use portable_pty::{ChildKiller, CommandBuilder, MasterPty, PtySize, native_pty_system};
use serde::{Deserialize, Serialize};

/// Batch output for at most this long…
const COALESCE: Duration = Duration::from_millis(16);
/// …or until this many bytes are waiting.
const CHUNK: usize = 4096;

/// What a terminal runs: a shell on this machine, or a shell inside a node container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TerminalTarget {
    Local,
    Node { node: String },
}

/// What a terminal session reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TerminalEvent {
    Output(Vec<u8>),
    /// The shell exited (`None` when it was killed or its status is unknown).
    Exit(Option<u32>),
}

/// How to start a terminal's program.
#[derive(Debug, Clone)]
pub struct ShellCommand {
    pub program: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub cwd: Option<PathBuf>,
    /// Shown as the terminal's title.
    pub title: String,
}

/// Why a terminal could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    #[error("cannot start {program}: {message}")]
    Spawn { program: String, message: String },
    #[error("no terminal {0} (it was closed or its shell exited)")]
    NotFound(u32),
    #[error("terminal {id}: {message}")]
    Io { id: u32, message: String },
}

struct Session {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    killer: Box<dyn ChildKiller + Send + Sync>,
}

/// Every open terminal of the app.
#[derive(Default)]
pub struct Terminals {
    next: AtomicU32,
    sessions: Arc<Mutex<HashMap<u32, Session>>>,
}

impl std::fmt::Debug for Terminals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Terminals")
            .field("open", &self.open_count())
            .finish()
    }
}

impl Terminals {
    pub fn new() -> Terminals {
        Terminals::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u32, Session>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn open_count(&self) -> usize {
        self.lock().len()
    }

    /// Start `command` in a new PTY of `cols`×`rows`; `sink` receives its output and, last, its
    /// exit. Returns the session id.
    pub fn open(
        &self,
        command: &ShellCommand,
        cols: u16,
        rows: u16,
        sink: impl Fn(TerminalEvent) + Send + 'static,
    ) -> Result<u32, TerminalError> {
        let spawn_error = |message: String| TerminalError::Spawn {
            program: command.program.clone(),
            message,
        };
        let pair = native_pty_system()
            .openpty(size(cols, rows))
            .map_err(|e| spawn_error(e.to_string()))?;
        let mut builder = CommandBuilder::new(&command.program);
        builder.args(&command.args);
        for (k, v) in &command.env {
            builder.env(k, v);
        }
        if let Some(cwd) = &command.cwd {
            builder.cwd(cwd);
        }
        let mut child = pair
            .slave
            .spawn_command(builder)
            .map_err(|e| spawn_error(e.to_string()))?;
        // The child holds the slave side; keeping ours open would hide the shell's exit (EOF).
        drop(pair.slave);
        let reader = pair
            .master
            .try_clone_reader()
            .map_err(|e| spawn_error(e.to_string()))?;
        let writer = pair
            .master
            .take_writer()
            .map_err(|e| spawn_error(e.to_string()))?;
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.lock().insert(
            id,
            Session {
                master: pair.master,
                writer,
                killer: child.clone_killer(),
            },
        );
        let (tx, rx) = mpsc::channel::<Vec<u8>>();
        std::thread::Builder::new()
            .name(format!("pty-read-{id}"))
            .spawn(move || read_loop(reader, tx))
            .map_err(|e| spawn_error(e.to_string()))?;
        let sessions = Arc::clone(&self.sessions);
        std::thread::Builder::new()
            .name(format!("pty-send-{id}"))
            .spawn(move || {
                forward(&rx, &sink);
                let code = child.wait().ok().map(|s| s.exit_code());
                sessions
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&id);
                sink(TerminalEvent::Exit(code));
            })
            .map_err(|e| spawn_error(e.to_string()))?;
        Ok(id)
    }

    /// Send the learner's keys to a terminal.
    pub fn write(&self, id: u32, data: &[u8]) -> Result<(), TerminalError> {
        let mut sessions = self.lock();
        let session = sessions.get_mut(&id).ok_or(TerminalError::NotFound(id))?;
        session
            .writer
            .write_all(data)
            .and_then(|()| session.writer.flush())
            .map_err(|e| TerminalError::Io {
                id,
                message: e.to_string(),
            })
    }

    pub fn resize(&self, id: u32, cols: u16, rows: u16) -> Result<(), TerminalError> {
        let sessions = self.lock();
        let session = sessions.get(&id).ok_or(TerminalError::NotFound(id))?;
        session
            .master
            .resize(size(cols, rows))
            .map_err(|e| TerminalError::Io {
                id,
                message: e.to_string(),
            })
    }

    /// Kill a terminal's shell (its exit is still reported to the sink).
    pub fn close(&self, id: u32) -> Result<(), TerminalError> {
        let mut session = self.lock().remove(&id).ok_or(TerminalError::NotFound(id))?;
        // Already exited is fine.
        let _ = session.killer.kill();
        Ok(())
    }

    /// Kill every shell (the window is closing).
    pub fn close_all(&self) {
        for (_, mut session) in self.lock().drain() {
            let _ = session.killer.kill();
        }
    }
}

impl Drop for Terminals {
    fn drop(&mut self) {
        self.close_all();
    }
}

fn size(cols: u16, rows: u16) -> PtySize {
    PtySize {
        rows: rows.clamp(2, 1000),
        cols: cols.clamp(2, 1000),
        pixel_width: 0,
        pixel_height: 0,
    }
}

fn read_loop(mut reader: Box<dyn Read + Send>, tx: mpsc::Sender<Vec<u8>>) {
    let mut buf = [0u8; CHUNK];
    loop {
        match reader.read(&mut buf) {
            // EOF, or EIO once the shell and its children have closed the slave (Linux).
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        }
    }
}

/// Coalesce chunks until the reader ends.
fn forward(rx: &mpsc::Receiver<Vec<u8>>, sink: &impl Fn(TerminalEvent)) {
    while let Ok(first) = rx.recv() {
        let mut batch = first;
        let deadline = Instant::now() + COALESCE;
        let mut ended = false;
        while batch.len() < CHUNK {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(more) => batch.extend_from_slice(&more),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => {
                    ended = true;
                    break;
                }
            }
        }
        sink(TerminalEvent::Output(batch));
        if ended {
            return;
        }
    }
}

/// The learner's login shell on this machine, falling back to bash, then sh.
pub(crate) fn login_shell() -> String {
    std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty() && std::path::Path::new(s).is_file())
        .or_else(|| {
            ["/bin/bash", "/usr/bin/bash", "/bin/sh"]
                .iter()
                .find(|p| std::path::Path::new(p).is_file())
                .map(|p| (*p).to_owned())
        })
        .unwrap_or_else(|| "sh".into())
}

impl crate::App {
    /// The program a terminal runs for `target`: the learner's shell with `KUBECONFIG` set to
    /// the app's cluster, or a shell inside one of that cluster's node containers (the exam's
    /// `ssh <node>`). Only the app's own node containers can be entered.
    pub fn terminal_command(
        &self,
        target: &TerminalTarget,
    ) -> Result<ShellCommand, crate::AppError> {
        let kubeconfig = self.own_kubeconfig().display().to_string();
        let mut env = vec![
            ("TERM".to_owned(), "xterm-256color".to_owned()),
            ("COLORTERM".to_owned(), "truecolor".to_owned()),
            ("KUBECONFIG".to_owned(), kubeconfig),
        ];
        match target {
            TerminalTarget::Local => {
                let program = login_shell();
                Ok(ShellCommand {
                    title: format!("{} (KUBECONFIG: cluster {})", program, crate::CLUSTER_NAME),
                    program,
                    args: Vec::new(),
                    env,
                    cwd: directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()),
                })
            }
            TerminalTarget::Node { node } => {
                let known: Vec<String> = ["control-plane", "worker"]
                    .iter()
                    .map(|n| format!("{}-{n}", crate::CLUSTER_NAME))
                    .collect();
                if !known.contains(node) {
                    return Err(crate::AppError::Terminal(TerminalError::Spawn {
                        program: "node shell".into(),
                        message: format!(
                            "{node:?} is not a node of CKS Lab's cluster (nodes: {})",
                            known.join(", ")
                        ),
                    }));
                }
                let engine = self.doctor().engine.ok_or_else(|| {
                    crate::AppError::Terminal(TerminalError::Spawn {
                        program: "node shell".into(),
                        message: "no container engine answers: install or start Docker (or Podman)"
                            .into(),
                    })
                })?;
                env.retain(|(k, _)| k != "KUBECONFIG");
                Ok(ShellCommand {
                    title: format!("root@{node}"),
                    program: engine,
                    args: vec![
                        "exec".into(),
                        "-it".into(),
                        "-e".into(),
                        "TERM=xterm-256color".into(),
                        node.clone(),
                        "bash".into(),
                        "-l".into(),
                    ],
                    env,
                    cwd: None,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh() -> ShellCommand {
        ShellCommand {
            program: "/bin/sh".into(),
            args: vec![],
            env: vec![
                ("PS1".into(), "$ ".into()),
                ("CKSLAB_T".into(), "42".into()),
            ],
            cwd: None,
            title: "sh".into(),
        }
    }

    /// Collects events; `wait_for` blocks until the output contains a string or an exit arrives.
    /// Output so far, and the exit once it arrived.
    type Seen = (Vec<u8>, Option<Option<u32>>);

    #[derive(Clone, Default)]
    struct Recorder(Arc<Mutex<Seen>>);

    impl Recorder {
        fn sink(&self) -> impl Fn(TerminalEvent) + Send + 'static {
            let inner = Arc::clone(&self.0);
            move |e| {
                let mut g = inner.lock().unwrap();
                match e {
                    TerminalEvent::Output(b) => g.0.extend(b),
                    TerminalEvent::Exit(c) => g.1 = Some(c),
                }
            }
        }
        fn wait(&self, done: impl Fn(&str, Option<Option<u32>>) -> bool) -> String {
            let start = Instant::now();
            loop {
                let (text, exit) = {
                    let g = self.0.lock().unwrap();
                    (String::from_utf8_lossy(&g.0).into_owned(), g.1)
                };
                if done(&text, exit) {
                    return text;
                }
                assert!(
                    start.elapsed() < Duration::from_secs(10),
                    "timed out; got {text:?}"
                );
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    #[test]
    fn runs_a_shell_with_its_env_and_reports_the_exit_code() {
        let terms = Terminals::new();
        let rec = Recorder::default();
        let id = terms.open(&sh(), 80, 24, rec.sink()).unwrap();
        terms.write(id, b"echo value=$((CKSLAB_T + 1))\n").unwrap();
        rec.wait(|t, _| t.contains("value=43"));
        terms.write(id, b"exit 7\n").unwrap();
        rec.wait(|_, exit| exit == Some(Some(7)));
        // The session is gone once its shell exited.
        assert!(matches!(
            terms.write(id, b"x"),
            Err(TerminalError::NotFound(_))
        ));
        assert_eq!(terms.open_count(), 0);
    }

    #[test]
    fn resize_reaches_the_shell() {
        let terms = Terminals::new();
        let rec = Recorder::default();
        let id = terms.open(&sh(), 80, 24, rec.sink()).unwrap();
        terms.resize(id, 132, 40).unwrap();
        terms.write(id, b"stty size\n").unwrap();
        rec.wait(|t, _| t.contains("40 132"));
        terms.close(id).unwrap();
        rec.wait(|_, exit| exit.is_some());
    }

    #[test]
    fn close_kills_the_shell_and_unknown_ids_are_errors() {
        let terms = Terminals::new();
        let rec = Recorder::default();
        let id = terms.open(&sh(), 80, 24, rec.sink()).unwrap();
        terms.close(id).unwrap();
        rec.wait(|_, exit| exit.is_some());
        assert!(matches!(terms.close(id), Err(TerminalError::NotFound(_))));
        assert!(matches!(
            terms.resize(999, 10, 10),
            Err(TerminalError::NotFound(999))
        ));
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let terms = Terminals::new();
        let mut cmd = sh();
        cmd.program = "/nonexistent/ckslab-shell".into();
        let err = terms.open(&cmd, 80, 24, |_| {}).unwrap_err();
        assert!(matches!(err, TerminalError::Spawn { .. }), "{err}");
        assert_eq!(terms.open_count(), 0);
    }

    #[test]
    fn large_output_arrives_whole_and_in_order() {
        let terms = Terminals::new();
        let rec = Recorder::default();
        let id = terms.open(&sh(), 80, 24, rec.sink()).unwrap();
        terms
            .write(id, b"i=0; while [ $i -lt 3000 ]; do echo line-$i; i=$((i+1)); done; echo END-$((1+1))\n")
            .unwrap();
        let text = rec.wait(|t, _| t.contains("END-2\r\n"));
        // Every line once, in order (the first may follow the shell's prompt on its line).
        let mut at = 0;
        for i in 0..3000 {
            let needle = format!("line-{i}\r\n");
            let found = text[at..]
                .find(&needle)
                .unwrap_or_else(|| panic!("{needle:?} missing"));
            at += found + needle.len();
        }
        terms.close(id).unwrap();
    }
}
