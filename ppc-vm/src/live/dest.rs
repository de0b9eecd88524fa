//! The destination of a live migration: a listener that serves one migration at a
//! time, and the receiving side of one connection (see the module above for when it
//! resumes the guest).

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use ppc_target::interp::Guest;

use super::proto::{self, Handover, Rp};
use super::DEFAULT_TIMEOUT;
use crate::migration::Receiver;

/// How the destination receives.
#[derive(Clone, Copy, Debug)]
pub struct DestOptions {
    /// Longest silence of the source (before its first byte, inside the stream, before
    /// the hand-over), and longest blocked answer.
    pub timeout: Duration,
}

impl Default for DestOptions {
    fn default() -> Self {
        DestOptions {
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// What the destination measured when it resumed a guest.
#[derive(Clone, Debug, PartialEq)]
pub struct Landing {
    /// Who sent it.
    pub peer: String,
    /// Stream bytes received.
    pub bytes: u64,
    /// Pages received (data and zero pages, a page sent twice counts twice).
    pub pages: u64,
    /// From the first byte to the resume.
    pub total: Duration,
    /// From the source's stop to the resume, when both stamps come from one clock.
    pub downtime: Option<Duration>,
    /// What the source handed over (none from a source without the confirmation step).
    pub handover: Option<Handover>,
}

/// How an incoming connection ended.
#[derive(Debug)]
pub enum Incoming {
    /// The guest is ours: run it.
    Resumed(Box<Guest>, Landing),
    /// The stream was refused (the reason was sent to the source, which runs on).
    Refused(String),
    /// The stream loaded but the source's hand-over never came: the guest may run at
    /// the source, or nowhere. Save it; do not run it.
    Unknown {
        /// The loaded guest.
        guest: Box<Guest>,
        /// What went missing.
        reason: String,
    },
    /// The connection never started a valid stream (a probe, an idle peer, garbage).
    NotAStream(String),
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn answer(conn: &TcpStream, m: &Rp) -> io::Result<()> {
    let mut c = conn;
    c.write_all(&m.encode())
}

/// Parses the hand-over command at the start of `b`: `None` while incomplete.
fn handover(b: &[u8]) -> Option<Result<Handover, String>> {
    if b.len() < 5 {
        return None;
    }
    let cmd = u16::from_be_bytes([b[1], b[2]]);
    let len = u16::from_be_bytes([b[3], b[4]]) as usize;
    if b[0] != vmstate::stream::kind::COMMAND || cmd != proto::CMD_HANDOVER || len > 1024 {
        return Some(Err(format!(
            "expected the hand-over after the stream's end, got bytes {:02x?}",
            &b[..5]
        )));
    }
    let p = b.get(5..5 + len)?;
    Some(Handover::decode(p).ok_or_else(|| "malformed hand-over".to_owned()))
}

/// Receives one migration on `conn` into `rx`, answering on the return path.
pub fn receive(
    rx: Receiver,
    conn: TcpStream,
    opts: &DestOptions,
    progress: &mut dyn FnMut(&str),
) -> Incoming {
    receive_from(rx, conn, Vec::new(), opts, progress)
}

/// [`receive`], with the stream's first bytes already read from `conn`.
fn receive_from(
    mut rx: Receiver,
    conn: TcpStream,
    first: Vec<u8>,
    opts: &DestOptions,
    progress: &mut dyn FnMut(&str),
) -> Incoming {
    let peer = conn
        .peer_addr()
        .map_or_else(|_| "?".to_owned(), |a| a.to_string());
    let setup = conn
        .set_read_timeout(Some(opts.timeout))
        .and_then(|()| conn.set_write_timeout(Some(opts.timeout)))
        .and_then(|()| conn.set_nodelay(true));
    if let Err(e) = setup {
        return Incoming::NotAStream(format!("setting up the connection: {e}"));
    }
    let refuse = |why: String, started: bool| {
        let _ = answer(&conn, &Rp::Reason(why.clone()));
        let _ = answer(&conn, &Rp::Shut(1));
        let _ = conn.shutdown(Shutdown::Write);
        if started {
            Incoming::Refused(why)
        } else {
            Incoming::NotAStream(why)
        }
    };
    let mut buf = vec![0u8; 1 << 18];
    let mut t0 = None;
    let mut confirm = false;
    let mut reader = &conn;
    let mut first = Some(first).filter(|f| !f.is_empty());
    loop {
        let n = match first.take() {
            Some(f) => {
                buf[..f.len()].copy_from_slice(&f);
                Ok(f.len())
            }
            None => reader.read(&mut buf),
        };
        let n = match n {
            Ok(0) if rx.received == 0 && t0.is_none() => {
                return Incoming::NotAStream("closed without sending anything".into())
            }
            Ok(0) => {
                let why = match rx.finish_error() {
                    Some(e) => e,
                    None => "the stream ended early".into(),
                };
                return refuse(format!("the source closed the connection: {why}"), true);
            }
            Ok(n) => n,
            Err(e) if is_timeout(&e) && t0.is_none() => {
                return Incoming::NotAStream(format!("sent nothing for {:?}", opts.timeout))
            }
            Err(e) if is_timeout(&e) => {
                return refuse(
                    format!(
                        "no data from the source for {:?} (after byte {})",
                        opts.timeout, rx.received
                    ),
                    true,
                )
            }
            Err(e) => return refuse(format!("receiving: {e}"), t0.is_some()),
        };
        t0.get_or_insert_with(Instant::now);
        if let Err(e) = rx.feed(&buf[..n]) {
            let started = rx.started();
            return refuse(e.to_string(), started);
        }
        for v in rx.take_pings() {
            let _ = answer(&conn, &Rp::Pong(v));
            if v == proto::PING_CONFIRM {
                confirm = true;
                let _ = answer(&conn, &Rp::Pong(proto::PONG_WILL_WAIT));
            } else if v < proto::ROUND_PINGS {
                progress(&format!(
                    "round {v} loaded: {} pages, {} bytes so far",
                    rx.pages, rx.received
                ));
            }
        }
        if rx.is_done() {
            break;
        }
    }
    let t0 = t0.unwrap_or_else(Instant::now);
    let mut landing = Landing {
        peer,
        bytes: rx.received,
        pages: rx.pages,
        total: Duration::ZERO,
        downtime: None,
        handover: None,
    };
    let mut rest = rx.take_rest();
    let guest = match rx.take_guest() {
        Ok(g) => g,
        Err(e) => return refuse(e.to_string(), true),
    };
    if !confirm {
        // A source without the confirmation step (QEMU): resume, then say so.
        landing.total = t0.elapsed();
        if rx.return_path {
            let _ = answer(&conn, &Rp::Shut(0));
        }
        return Incoming::Resumed(Box::new(guest), landing);
    }
    let _ = answer(&conn, &Rp::Shut(0));
    progress("loaded; waiting for the source to hand the guest over");
    let unknown = |guest: Guest, reason: String| Incoming::Unknown {
        guest: Box::new(guest),
        reason,
    };
    let h = loop {
        match handover(&rest) {
            Some(Ok(h)) => break h,
            Some(Err(e)) => return unknown(guest, e),
            None => {}
        }
        match reader.read(&mut buf) {
            Ok(0) => {
                return unknown(
                    guest,
                    "the source closed the connection without handing the guest over".into(),
                )
            }
            Ok(n) => rest.extend_from_slice(&buf[..n]),
            Err(e) if is_timeout(&e) => {
                return unknown(
                    guest,
                    format!("no hand-over from the source for {:?}", opts.timeout),
                )
            }
            Err(e) => return unknown(guest, format!("waiting for the hand-over: {e}")),
        }
    };
    let mut guest = guest;
    guest.steps = h.steps;
    let resumed_ns = proto::now_ns();
    let same_clock = !h.boot_id.is_empty() && h.boot_id == proto::boot_id();
    let _ = answer(
        &conn,
        &Rp::Resumed(proto::Resumed {
            resumed_ns,
            same_clock,
        }),
    );
    let _ = conn.shutdown(Shutdown::Write);
    landing.total = t0.elapsed();
    landing.downtime =
        same_clock.then(|| Duration::from_nanos(resumed_ns.saturating_sub(h.stopped_ns)));
    landing.handover = Some(h);
    Incoming::Resumed(Box::new(guest), landing)
}

/// Answers a connection that came while a migration is in progress, and lets it go.
fn busy(conn: TcpStream, timeout: Duration) {
    let _ = conn.set_write_timeout(Some(timeout));
    let _ = conn.set_read_timeout(Some(timeout));
    let _ = answer(
        &conn,
        &Rp::Reason("busy: the destination is receiving another migration".into()),
    );
    let _ = answer(&conn, &Rp::Shut(1));
    let _ = conn.shutdown(Shutdown::Write);
    // Read what the source already sent, so closing does not reset the connection
    // before it has read the answer.
    let mut sink = [0u8; 4096];
    let mut c = &conn;
    let until = Instant::now() + timeout;
    while Instant::now() < until && matches!(c.read(&mut sink), Ok(n) if n > 0) {}
}

enum Arrival {
    /// A connection that started a QEMU stream (its first bytes) and got the listener.
    Stream(TcpStream, SocketAddr, Vec<u8>),
    /// A connection that was dropped, and why.
    Dropped(SocketAddr, String),
}

/// Reads a connection's first bytes: a QEMU stream's header claims the listener (or
/// gets a "busy" answer when another stream has it); anything else is dropped.
fn prelude(conn: TcpStream, peer: SocketAddr, taken: &AtomicBool, timeout: Duration) -> Arrival {
    let _ = conn.set_read_timeout(Some(timeout));
    let _ = conn.set_write_timeout(Some(timeout));
    let mut head = Vec::with_capacity(8);
    let mut c = &conn;
    while head.len() < 8 {
        let mut b = [0u8; 8];
        match c.read(&mut b[..8 - head.len()]) {
            Ok(0) if head.is_empty() => {
                return Arrival::Dropped(peer, "closed without sending anything".into())
            }
            Ok(0) => return Arrival::Dropped(peer, "closed within the stream's header".into()),
            Ok(n) => head.extend_from_slice(&b[..n]),
            Err(e) if is_timeout(&e) => {
                return Arrival::Dropped(peer, format!("sent no stream header for {timeout:?}"))
            }
            Err(e) => return Arrival::Dropped(peer, e.to_string()),
        }
    }
    // The stream reader's own header check.
    if let Err(e) = vmstate::stream::StreamReader::new(&head) {
        let why = e.to_string();
        let _ = answer(&conn, &Rp::Reason(why.clone()));
        let _ = answer(&conn, &Rp::Shut(1));
        let _ = conn.shutdown(Shutdown::Write);
        return Arrival::Dropped(peer, why);
    }
    if taken
        .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        busy(conn, timeout);
        return Arrival::Dropped(peer, "busy: answered and dropped".into());
    }
    Arrival::Stream(conn, peer, head)
}

/// Serves incoming migrations on `listener`: every connection is read on its own until
/// it shows a QEMU stream's header, so probes, idle or garbage connections never hold
/// the listener; the first stream is received, a second one meanwhile is answered
/// "busy". Returns once a stream was received (or refused after it started).
pub fn listen(
    listener: TcpListener,
    make_rx: &dyn Fn() -> Receiver,
    opts: &DestOptions,
    progress: &mut dyn FnMut(&str),
) -> Incoming {
    let taken = Arc::new(AtomicBool::new(false));
    let (tx, arrivals) = mpsc::channel::<Arrival>();
    let flag = Arc::clone(&taken);
    let timeout = opts.timeout;
    thread::spawn(move || loop {
        match listener.accept() {
            Ok((c, peer)) => {
                let (tx, flag) = (tx.clone(), Arc::clone(&flag));
                thread::spawn(move || {
                    let _ = tx.send(prelude(c, peer, &flag, timeout));
                });
            }
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    });
    loop {
        match arrivals.recv() {
            Err(_) => return Incoming::Refused("the listener stopped".into()),
            Ok(Arrival::Dropped(peer, why)) => progress(&format!(
                "dropped the connection from {peer}: {why}; still listening"
            )),
            Ok(Arrival::Stream(conn, peer, head)) => {
                progress(&format!("connection from {peer}"));
                match receive_from(make_rx(), conn, head, opts, progress) {
                    Incoming::NotAStream(why) => {
                        progress(&format!(
                            "dropped the connection from {peer}: {why}; still listening"
                        ));
                        taken.store(false, Ordering::SeqCst);
                    }
                    other => return other,
                }
            }
        }
    }
}
