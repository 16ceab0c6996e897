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
}
