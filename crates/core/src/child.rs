//! Running a helper process under a deadline: the batch's per-document workers
//! (`job::WorkerJob`) and the desktop app's page renders and exports both spawn the
//! `pdf-deid` program, feed it stdin, drain stdout and stderr on threads (so a chatty
//! child never blocks on a full pipe), and kill it on a time limit or cancellation.

use std::io::{BufRead, Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How a child run ended.
#[derive(Debug)]
pub enum ChildEnd {
    Exited(ExitStatus),
    /// Killed after the time limit.
    TimedOut,
    /// Killed because `cancelled()` said so.
    Cancelled,
}

/// What a child printed on stdout, and how it ended.
#[derive(Debug)]
pub struct ChildRun {
    pub end: ChildEnd,
    pub stdout: Vec<u8>,
}

/// Spawn `cmd` with stdout and stderr piped, write `stdin` to it (then close it), and wait
/// until it exits, `limit` passes or `cancelled()` returns true (then it is killed). Every
/// stderr line is handed to `on_stderr` on the calling thread while it waits; when it
/// returns a duration, that becomes the limit (counted from the start). An error here
/// means the process could not be started or waited for.
pub fn run_child(
    mut cmd: Command,
    stdin: Option<&[u8]>,
    limit: Duration,
    cancelled: &dyn Fn() -> bool,
    on_stderr: &mut dyn FnMut(String) -> Option<Duration>,
) -> std::io::Result<ChildRun> {
    let mut limit = limit;
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    if let (Some(data), Some(mut w)) = (stdin, child.stdin.take()) {
        // a child that died early shows up in its exit status
        let _ = w.write_all(data);
    }
    let mut out = child.stdout.take().ok_or(std::io::ErrorKind::BrokenPipe)?;
    let err = child.stderr.take().ok_or(std::io::ErrorKind::BrokenPipe)?;
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let (tx, rx) = mpsc::channel();
    let err_t = std::thread::spawn(move || {
        for line in std::io::BufReader::new(err).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let end = loop {
        while let Ok(line) = rx.try_recv() {
            if let Some(l) = on_stderr(line) {
                limit = l;
            }
        }
        match child.try_wait() {
            Ok(Some(s)) => break ChildEnd::Exited(s),
            Ok(None) if cancelled() => break ChildEnd::Cancelled,
            Ok(None) if started.elapsed() > limit => break ChildEnd::TimedOut,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        }
    };
    if !matches!(end, ChildEnd::Exited(_)) {
        let _ = child.kill();
        let _ = child.wait();
        // the reader threads end when the pipes close; a grandchild may hold them open,
        // so they are left to finish on their own rather than waited for
        return Ok(ChildRun {
            end,
            stdout: Vec::new(),
        });
    }
    let stdout = out_t.join().unwrap_or_default();
    let _ = err_t.join();
    while let Ok(line) = rx.try_recv() {
        let _ = on_stderr(line);
    }
    Ok(ChildRun { end, stdout })
}

/// How one request to a [`Served`] process ended.
#[derive(Debug)]
pub enum ServedEnd {
    /// The reply line (without its newline).
    Reply(String),
    /// The process ended before replying (crash, memory limit, killed by a signal).
    Exited(Option<ExitStatus>),
    /// Killed after the time limit.
    TimedOut,
    /// Killed because `cancelled()` said so.
    Cancelled,
}

/// A long-lived helper process that answers each request line on its stdin with one
/// line on its stdout, writing progress lines to stderr and a line `done` after the last
/// progress line of each request. Once a request did not end in a reply, the process is
/// dead ([`Served::alive`] is false) and a new one must be spawned.
pub struct Served {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    out: mpsc::Receiver<String>,
    err: mpsc::Receiver<String>,
    alive: bool,
}

/// The stderr line a served process writes after a request's progress lines.
pub const DONE_LINE: &str = "done";

impl Served {
    pub fn spawn(mut cmd: Command) -> std::io::Result<Served> {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn()?;
        let stdin = child.stdin.take();
        let lines = |r: Box<dyn Read + Send>| {
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(r).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            rx
        };
        let out = lines(Box::new(
            child.stdout.take().ok_or(std::io::ErrorKind::BrokenPipe)?,
        ));
        let err = lines(Box::new(
            child.stderr.take().ok_or(std::io::ErrorKind::BrokenPipe)?,
        ));
        Ok(Served {
            child,
            stdin,
            out,
            err,
            alive: true,
        })
    }

    pub fn alive(&self) -> bool {
        self.alive
    }

    /// Send `request` (one line) and wait for the reply line, handing every stderr line
    /// of this request to `on_stderr` (a returned duration becomes the limit, counted from
    /// now); kill the process when `limit` passes or `cancelled()` returns true.
    pub fn ask(
        &mut self,
        request: &[u8],
        limit: Duration,
        cancelled: &dyn Fn() -> bool,
        on_stderr: &mut dyn FnMut(String) -> Option<Duration>,
    ) -> ServedEnd {
        let mut limit = limit;
        let started = Instant::now();
        let sent = self.stdin.as_mut().is_some_and(|w| {
            w.write_all(request).is_ok() && w.write_all(b"\n").is_ok() && w.flush().is_ok()
        });
        if !sent {
            return self.ended();
        }
        loop {
            while let Ok(line) = self.err.try_recv() {
                if line != DONE_LINE {
                    if let Some(l) = on_stderr(line) {
                        limit = l;
                    }
                }
            }
            match self.out.recv_timeout(Duration::from_millis(10)) {
                Ok(reply) => {
                    // the progress lines of this request end with `done`
                    let until = Instant::now() + Duration::from_secs(2);
                    while let Ok(line) = self
                        .err
                        .recv_timeout(until.saturating_duration_since(Instant::now()))
                    {
                        if line == DONE_LINE {
                            break;
                        }
                        let _ = on_stderr(line);
                    }
                    return ServedEnd::Reply(reply);
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return self.ended(),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if cancelled() {
                self.kill();
                return ServedEnd::Cancelled;
            }
            if started.elapsed() > limit {
                self.kill();
                return ServedEnd::TimedOut;
            }
        }
    }

    /// The process closed its stdout: wait for its status (briefly) and mark it dead.
    fn ended(&mut self) -> ServedEnd {
        self.alive = false;
        self.stdin = None;
        for _ in 0..200 {
            if let Ok(Some(s)) = self.child.try_wait() {
                return ServedEnd::Exited(Some(s));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.kill();
        ServedEnd::Exited(None)
    }

    /// Kill the process now.
    pub fn kill(&mut self) {
        self.alive = false;
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    /// Closing stdin ends a served process; one that does not end within a second is killed.
    fn drop(&mut self) {
        self.stdin = None;
        for _ in 0..100 {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        c
    }

    #[test]
    fn output_stdin_stderr_and_status() {
        let mut lines = Vec::new();
        let r = run_child(
            sh("cat; echo one >&2; echo two >&2; exit 3"),
            Some(b"payload"),
            Duration::from_secs(20),
            &|| false,
            &mut |l| {
                lines.push(l);
                None
            },
        )
        .expect("run");
        assert_eq!(r.stdout, b"payload");
        assert_eq!(lines, ["one", "two"]);
        assert!(matches!(r.end, ChildEnd::Exited(s) if s.code() == Some(3)));
    }

    #[test]
    fn time_limit_and_cancel_kill_the_child() {
        let t = Instant::now();
        let r = run_child(
            sh("sleep 30"),
            None,
            Duration::from_millis(200),
            &|| false,
            &mut |_| None,
        )
        .expect("run");
        assert!(matches!(r.end, ChildEnd::TimedOut));
        let r = run_child(
            sh("sleep 30"),
            None,
            Duration::from_secs(60),
            &|| true,
            &mut |_| None,
        )
        .expect("run");
        assert!(matches!(r.end, ChildEnd::Cancelled));
        assert!(t.elapsed() < Duration::from_secs(20));
    }

    /// A child that announces a longer limit (as a worker does once it knows its page
    /// count) is not killed at the first limit.
    #[test]
    fn the_child_can_extend_its_limit() {
        let r = run_child(
            sh("echo 'limit 5' >&2; sleep 1; echo done"),
            None,
            Duration::from_millis(300),
            &|| false,
            &mut |l| (l == "limit 5").then(|| Duration::from_secs(5)),
        )
        .expect("run");
        assert!(
            matches!(r.end, ChildEnd::Exited(s) if s.success()),
            "{:?}",
            r.end
        );
        assert_eq!(r.stdout, b"done\n");
    }

    #[test]
    fn a_missing_program_is_an_error() {
        assert!(run_child(
            Command::new("/nonexistent/pdf-deid"),
            None,
            Duration::from_secs(1),
            &|| false,
            &mut |_| None,
        )
        .is_err());
    }

    #[test]
    fn a_served_process_answers_requests_in_turn_and_dies_on_timeout() {
        let script = "while read -r l; do echo \"stage $l\" >&2; echo done >&2; \
                      if [ \"$l\" = slow ]; then sleep 30; fi; echo \"re:$l\"; done";
        let mut s = Served::spawn(sh(script)).expect("spawn");
        for req in ["a", "b"] {
            let mut seen = Vec::new();
            let end = s.ask(
                req.as_bytes(),
                Duration::from_secs(20),
                &|| false,
                &mut |l| {
                    seen.push(l);
                    None
                },
            );
            assert!(
                matches!(&end, ServedEnd::Reply(r) if *r == format!("re:{req}")),
                "{end:?}"
            );
            assert_eq!(seen, [format!("stage {req}")]);
        }
        let t = Instant::now();
        let end = s.ask(b"slow", Duration::from_millis(300), &|| false, &mut |_| {
            None
        });
        assert!(matches!(end, ServedEnd::TimedOut), "{end:?}");
        assert!(t.elapsed() < Duration::from_secs(10));
        assert!(!s.alive());
        let mut dead = Served::spawn(sh("read -r l; exit 7")).expect("spawn");
        let end = dead.ask(b"x", Duration::from_secs(20), &|| false, &mut |_| None);
        assert!(
            matches!(end, ServedEnd::Exited(Some(st)) if st.code() == Some(7)),
            "{end:?}"
        );
    }
}
