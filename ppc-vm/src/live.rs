//! Live migration over a byte stream (TCP): pre-copy RAM rounds while the guest keeps
//! running, a short stop-and-copy of the last dirty pages and the CPU, and a one-line
//! answer from the destination on the same connection (`OK ...` once the guest resumed
//! there, `ERR ...` when it refused the stream). A refused or broken migration leaves the
//! source guest untouched, and it runs on.

use std::io::{BufRead, BufReader, Read, Write};
use std::time::{Duration, Instant};

use ppc_target::compat::MachineType;
use ppc_target::interp::{Guest, Stop};

use crate::migration::{Receiver, Sender, Stats};

/// How the source migrates.
#[derive(Clone, Copy, Debug)]
pub struct SourceOptions {
    /// Instructions the guest runs between two RAM rounds.
    pub slice: u64,
    /// Most pre-copy rounds before stopping the guest anyway.
    pub max_rounds: u32,
    /// Stop the guest once a round carried at most this many pages.
    pub converge_pages: usize,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            slice: 200_000,
            max_rounds: 30,
            converge_pages: 64,
        }
    }
}

/// How a migration ended, seen from the source.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The destination resumed the guest.
    Migrated {
        /// What was sent.
        stats: Stats,
        /// From the start to the destination's answer.
        total: Duration,
        /// From stopping the guest to the destination's answer.
        downtime: Duration,
        /// The destination's answer line.
        answer: String,
    },
    /// The destination refused or the connection broke; the guest is still here.
    Failed {
        /// Why.
        reason: String,
    },
    /// The guest stopped (exited) during the pre-copy rounds; nothing was migrated.
    GuestStopped(Stop),
}

/// Forwards the guest's new stdout bytes.
fn forward(guest: &Guest, printed: &mut usize, out: &mut dyn Write) {
    if guest.stdout.len() > *printed {
        let _ = out.write_all(&guest.stdout[*printed..]);
        let _ = out.flush();
        *printed = guest.stdout.len();
    }
}

/// Migrates `guest` to the destination at the other end of `conn`. On success the
/// caller drops the guest (it lives on at the destination); otherwise it may go on
/// running it.
pub fn migrate_out<C: Read + Write>(
    guest: &mut Guest,
    machine: &'static MachineType,
    conn: C,
    opts: SourceOptions,
    printed: &mut usize,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(&str),
) -> Outcome {
    let t0 = Instant::now();
    let mut conn = BufReader::new(conn);
    let send = |conn: &mut BufReader<C>, bytes: &[u8]| -> Result<(), String> {
        conn.get_mut()
            .write_all(bytes)
            .and_then(|()| conn.get_mut().flush())
            .map_err(|e| format!("sending: {e}"))
    };
    let mut sender = Sender::new(machine);
    let first = match sender.start(&mut guest.mem) {
        Ok(b) => b,
        Err(e) => {
            return Outcome::Failed {
                reason: e.to_string(),
            }
        }
    };
    if let Err(reason) = send(&mut conn, &first) {
        return Outcome::Failed { reason };
    }
    progress(&format!("round 1: {} bytes (all memory)", first.len()));
    let mut rounds = 1;
    loop {
        let stop = guest.run(opts.slice);
        if stop != Stop::StepLimit {
            forward(guest, printed, out);
            return Outcome::GuestStopped(stop);
        }
        forward(guest, printed, out);
        let (bytes, pages) = match sender.iterate(&mut guest.mem) {
            Ok(x) => x,
            Err(e) => {
                return Outcome::Failed {
                    reason: e.to_string(),
                }
            }
        };
        if let Err(reason) = send(&mut conn, &bytes) {
            return Outcome::Failed { reason };
        }
        rounds += 1;
        progress(&format!(
            "round {rounds}: {pages} dirty pages, {} bytes",
            bytes.len()
        ));
        if pages <= opts.converge_pages || rounds >= opts.max_rounds {
            break;
        }
    }
    // Stop-and-copy.
    let t_stop = Instant::now();
    let (rest, stats) = match sender.complete(guest) {
        Ok(x) => x,
        Err(e) => {
            return Outcome::Failed {
                reason: e.to_string(),
            }
        }
    };
    if let Err(reason) = send(&mut conn, &rest) {
        return Outcome::Failed { reason };
    }
    let mut answer = String::new();
    match conn.read_line(&mut answer) {
        Ok(0) | Err(_) => Outcome::Failed {
            reason: "the destination closed the connection without an answer".into(),
        },
        Ok(_) if answer.starts_with("OK") => {
            let now = Instant::now();
            Outcome::Migrated {
                stats,
                total: now - t0,
                downtime: now - t_stop,
                answer: answer.trim_end().to_owned(),
            }
        }
        Ok(_) => Outcome::Failed {
            reason: answer.trim_end().trim_start_matches("ERR ").to_owned(),
        },
    }
}

/// What the destination measured.
#[derive(Clone, Copy, Debug)]
pub struct Arrival {
    /// Stream bytes received.
    pub bytes: u64,
    /// From the first byte to resuming.
    pub total: Duration,
    /// From the END record of RAM (the source stopped) to resuming.
    pub downtime: Duration,
}

/// Receives a guest on `conn`; answers `OK` (and returns the guest, ready to run) or
/// `ERR message` (and returns the error).
pub fn migrate_in<C: Read + Write>(
    mut rx: Receiver,
    mut conn: C,
) -> Result<(Guest, Arrival), String> {
    let mut buf = vec![0u8; 1 << 18];
    let mut t0 = None;
    let mut t_end = None;
    let answer_err = |conn: &mut C, msg: &str| {
        let _ = conn.write_all(format!("ERR {msg}\n").as_bytes());
        let _ = conn.flush();
    };
    loop {
        let n = match conn.read(&mut buf) {
            Ok(n) => n,
            Err(e) => return Err(format!("receiving: {e}")),
        };
        t0.get_or_insert_with(Instant::now);
        if n == 0 {
            let e = match rx.finish() {
                Ok(_) => "the stream ended early".to_owned(),
                Err(e) => e.to_string(),
            };
            return Err(e);
        }
        match rx.feed(&buf[..n]) {
            Ok(done) => {
                if rx.saw_end && t_end.is_none() {
                    t_end = Some(Instant::now());
                }
                if done {
                    break;
                }
            }
            Err(e) => {
                let msg = e.to_string();
                answer_err(&mut conn, &msg);
                return Err(msg);
            }
        }
    }
    let bytes = rx.received;
    let guest = match rx.finish() {
        Ok(g) => g,
        Err(e) => {
            let msg = e.to_string();
            answer_err(&mut conn, &msg);
            return Err(msg);
        }
    };
    let now = Instant::now();
    let _ = conn.write_all(b"OK resumed\n");
    let _ = conn.flush();
    let t0 = t0.unwrap_or(now);
    Ok((
        guest,
        Arrival {
            bytes,
            total: now - t0,
            downtime: now - t_end.unwrap_or(now),
        },
    ))
}
