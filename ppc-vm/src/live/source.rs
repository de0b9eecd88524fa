//! The source of a live migration: pre-copy while the guest runs, stop-and-copy, and
//! the hand-over (see the module above for who runs the guest when something fails).

use std::io::{self, BufReader, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::mpsc::{self, Receiver as Rx, RecvTimeoutError, SyncSender};
use std::thread;
use std::time::{Duration, Instant};

use ppc_target::compat::MachineType;
use ppc_target::interp::{Guest, Stop};
use ppc_target::mem::PAGE_SIZE;

use super::proto::{self, Handover, Rp};
use super::{us, DEFAULT_TIMEOUT};
use crate::migration::{Sender, Stats};

/// Pages encoded at a time between two guest slices.
const CHUNK_PAGES: usize = 256;
/// Encoded chunks queued for the writer thread at most.
const QUEUE: usize = 4;

/// How the source migrates.
#[derive(Clone, Copy, Debug)]
pub struct SourceOptions {
    /// Instructions the guest runs between two looks at the migration.
    pub slice: u64,
    /// Most pre-copy rounds before switching over anyway.
    pub max_rounds: u32,
    /// Switch over once the pages left would take at most this long to send (QEMU's
    /// `downtime-limit`), measured with the rate the destination acknowledged so far.
    pub downtime_limit: Duration,
    /// Longest wait for the network: a blocked send, an answer.
    pub timeout: Duration,
    /// The most instructions the guest may run in all (`u64::MAX`: no limit); the
    /// destination gets the limit with the guest.
    pub step_limit: u64,
    /// Most of the guest thread's time spent encoding RAM during pre-copy (0 < share
    /// < 1): the guest keeps at least the rest.
    pub encode_share: f64,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            slice: 20_000,
            max_rounds: 30,
            downtime_limit: Duration::from_millis(1),
            timeout: DEFAULT_TIMEOUT,
            step_limit: u64::MAX,
            encode_share: 0.25,
        }
    }
}

/// What a migration that went through measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// What was sent.
    pub stats: Stats,
    /// Instructions the guest had run when the source stopped it.
    pub switch_step: u64,
    /// The guest stopped by itself during pre-copy (its exit happens at the
    /// destination).
    pub guest_stop: Option<Stop>,
    /// From the start to the destination's answer.
    pub total: Duration,
    /// From the source's stop to the destination's resume, when both stamps come from
    /// one clock.
    pub downtime: Option<Duration>,
    /// From the source's stop to the destination's answer: an upper bound of the
    /// downtime.
    pub stop_to_answer: Duration,
    /// The destination waited for the hand-over (otherwise it resumed on its own).
    pub confirmed: bool,
    /// From the start to the stop (the pre-copy phase).
    pub precopy: Duration,
    /// Instructions the guest ran during pre-copy.
    pub precopy_steps: u64,
    /// The first round (every page): stream bytes and the time until the destination
    /// had loaded them.
    pub first_round: (u64, Duration),
}

/// How a migration ended, seen from the source.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The destination resumed the guest: the source drops it.
    Migrated(Report),
    /// The destination cannot resume the guest: it runs on here.
    Failed {
        /// Why (the destination's own reason when it gave one).
        reason: String,
    },
    /// The source let go but does not know whether the destination resumed: the guest
    /// is stopped here, to be saved and not run.
    Unknown {
        /// What went missing.
        reason: String,
    },
}

/// Resolves `addr` and connects, trying each address for at most `timeout`.
pub fn connect(addr: &str, timeout: Duration) -> Result<TcpStream, String> {
    let addrs = addr
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve '{addr}': {e}"))?;
    let mut last = format!("cannot resolve '{addr}': no address");
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(c) => return Ok(c),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                last = format!("connecting to {a}: no answer within {timeout:?}")
            }
            Err(e) => last = format!("connecting to {a}: {e}"),
        }
    }
    Err(last)
}

enum Event {
    /// A buffer written (handed back to be reused), and how long the write took.
    Written(Vec<u8>, Duration),
    WriteFailed(io::Error),
    Rp(Rp),
    RpEnd(Option<String>),
}

/// The connection as the guest thread sees it: a writer thread sends what is queued,
/// a reader thread reads the return path, and both report here.
struct Link {
    conn: TcpStream,
    tx: Option<SyncSender<Vec<u8>>>,
    events: Rx<Event>,
    timeout: Duration,
    in_flight: usize,
    /// Written buffers, to encode into again.
    pool: Vec<Vec<u8>>,
    queued: u64,
    written: u64,
    /// Time the writer spent in writes (the link's rate is `written / write_time`).
    write_time: Duration,
    last_written: Instant,
    will_wait: bool,
    acked: u32,
    shut: Option<u32>,
    reason: Option<String>,
    resumed: Option<proto::Resumed>,
    broken: Option<String>,
    /// The destination closed (or reset) the connection.
    closed: bool,
}

impl Link {
    fn new(conn: TcpStream, timeout: Duration) -> io::Result<Link> {
        conn.set_nodelay(true)?;
        conn.set_write_timeout(Some(timeout))?;
        let (ev_tx, events) = mpsc::channel();
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(QUEUE + 2);
        let mut w = conn.try_clone()?;
        let ev = ev_tx.clone();
        thread::spawn(move || {
            for buf in rx {
                let t = Instant::now();
                let e = match w.write_all(&buf) {
                    Ok(()) => Event::Written(buf, t.elapsed()),
                    Err(e) => Event::WriteFailed(e),
                };
                let failed = matches!(e, Event::WriteFailed(_));
                if ev.send(e).is_err() || failed {
                    break;
                }
            }
        });
        let mut r = BufReader::new(conn.try_clone()?);
        thread::spawn(move || loop {
            let e = match Rp::read(&mut r) {
                Ok(Some(m)) => Event::Rp(m),
                Ok(None) => Event::RpEnd(None),
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Event::RpEnd(None),
                Err(e) => Event::RpEnd(Some(e.to_string())),
            };
            let end = matches!(e, Event::RpEnd(_));
            if ev_tx.send(e).is_err() || end {
                break;
            }
        });
        Ok(Link {
            conn,
            tx: Some(tx),
            events,
            timeout,
            in_flight: 0,
            pool: Vec::new(),
            queued: 0,
            written: 0,
            write_time: Duration::ZERO,
            last_written: Instant::now(),
            will_wait: false,
            acked: 0,
            shut: None,
            reason: None,
            resumed: None,
            broken: None,
            closed: false,
        })
    }

    /// A buffer to encode into (a written one when there is one).
    fn spare(&mut self) -> Vec<u8> {
        self.pool.pop().unwrap_or_default()
    }

    fn queue(&mut self, bytes: Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        self.queued += bytes.len() as u64;
        self.in_flight += 1;
        if let Some(tx) = &self.tx {
            if tx.send(bytes).is_err() {
                self.broken
                    .get_or_insert_with(|| "sending: the writer stopped".into());
            }
        }
    }

    fn handle(&mut self, e: Event) {
        match e {
            Event::Written(buf, took) => {
                self.in_flight -= 1;
                self.written += buf.len() as u64;
                self.pool.push(buf);
                self.write_time += took;
                self.last_written = Instant::now();
            }
            Event::WriteFailed(e) => {
                let why = if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) {
                    format!(
                        "sending: the destination read nothing for {:?}",
                        self.timeout
                    )
                } else {
                    format!("sending: {e}")
                };
                self.broken.get_or_insert(why);
            }
            Event::Rp(Rp::Pong(proto::PONG_WILL_WAIT)) => self.will_wait = true,
            Event::Rp(Rp::Pong(v)) if v < proto::ROUND_PINGS => self.acked = self.acked.max(v),
            Event::Rp(Rp::Pong(_)) => {}
            Event::Rp(Rp::Reason(r)) => self.reason = Some(r),
            Event::Rp(Rp::Shut(v)) => self.shut = Some(v),
            Event::Rp(Rp::Resumed(r)) => self.resumed = Some(r),
            Event::RpEnd(why) => {
                self.closed |= why.is_none();
                let why = why.map_or_else(
                    || "the destination closed the connection".to_owned(),
                    |e| format!("reading the destination's answer: {e}"),
                );
                self.broken.get_or_insert(why);
            }
        }
    }

    /// Takes every event that arrived.
    fn poll(&mut self) {
        while let Ok(e) = self.events.try_recv() {
            self.handle(e);
        }
    }

    /// Waits up to `d` for one event (then takes the others that arrived).
    fn wait(&mut self, d: Duration) {
        match self.events.recv_timeout(d) {
            Ok(e) => self.handle(e),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                self.broken
                    .get_or_insert_with(|| "the connection's threads ended".into());
            }
        }
        self.poll();
    }

    /// What sending `pages` pages and hearing back would take: a round trip plus the
    /// pages at the rate the writer achieved.
    fn expected(&self, pages: usize, rtt: Duration) -> Duration {
        let rate = self.written as f64 / self.write_time.as_secs_f64().max(1e-9);
        rtt + Duration::from_secs_f64(pages as f64 * (PAGE_SIZE as f64 + 16.0) / rate)
    }

    /// Why the destination cannot go on, if it cannot (its refusal first).
    fn failure(&self) -> Option<String> {
        match (&self.reason, self.shut) {
            (Some(r), _) => Some(r.clone()),
            (None, Some(v)) if v != 0 => Some(format!("the destination failed (SHUT {v})")),
            _ => self.broken.clone(),
        }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.tx = None;
        let _ = self.conn.shutdown(Shutdown::Both);
    }
}

/// Forwards the guest's new stdout bytes (and its stderr to ours).
fn forward(guest: &mut Guest, printed: &mut usize, out: &mut dyn Write) {
    if guest.stdout.len() > *printed {
        let _ = out.write_all(&guest.stdout[*printed..]);
        let _ = out.flush();
        *printed = guest.stdout.len();
    }
    if !guest.stderr.is_empty() {
        let _ = std::io::stderr().write_all(&std::mem::take(&mut guest.stderr));
    }
}

fn mb_per_s(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64().max(1e-9) / 1e6
}

/// Migrates `guest` to the destination at the other end of `conn`, running it during
/// pre-copy (its stdout forwarded to `out`). On [`Outcome::Migrated`] the caller drops
/// the guest; on [`Outcome::Failed`] it runs it on; on [`Outcome::Unknown`] it saves it.
pub fn migrate_out(
    guest: &mut Guest,
    machine: &'static MachineType,
    conn: TcpStream,
    opts: &SourceOptions,
    printed: &mut usize,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(&str),
) -> Outcome {
    let failed = |reason: String| Outcome::Failed { reason };
    let t0 = Instant::now();
    let mut link = match Link::new(conn, opts.timeout) {
        Ok(l) => l,
        Err(e) => return failed(format!("setting up the connection: {e}")),
    };
    let mut sender = Sender::new(machine);
    let start = sender
        .command(proto::CMD_OPEN_RETURN_PATH, &[])
        .and_then(|()| sender.command(proto::CMD_PING, &proto::PING_CONFIRM.to_be_bytes()));
    if let Err(e) = start {
        return failed(e.to_string());
    }
    link.queue(sender.drain());

    // Pre-copy: the guest runs; rounds are encoded between its slices.
    let mut round = 1u32;
    let mut pages = sender.take_round(&mut guest.mem);
    let mut round_start = (Instant::now(), sender.stats);
    let mut pinged: Option<(Instant, u64)> = None;
    let mut ping_written = None;
    let mut rtt = None;
    let (mut run_time, mut enc_time) = (Duration::ZERO, Duration::ZERO);
    let mut guest_stop = None;
    let steps_at_start = guest.steps;
    let mut first_round = (0, Duration::ZERO);
    loop {
        link.poll();
        if let Some(why) = link.failure() {
            return failed(why);
        }
        // Encode while the writer has room and the guest has had its share.
        while link.in_flight < QUEUE
            && sender.pending() > 0
            && enc_time.as_secs_f64()
                <= run_time.as_secs_f64() * opts.encode_share / (1.0 - opts.encode_share) + 1e-3
        {
            let t = Instant::now();
            if let Err(e) = sender.encode(&guest.mem, CHUNK_PAGES) {
                return failed(e.to_string());
            }
            let spare = link.spare();
            link.queue(sender.drain_into(spare));
            enc_time += t.elapsed();
        }
        if sender.pending() == 0 && pinged.is_none() {
            if let Err(e) = sender.command(proto::CMD_PING, &round.to_be_bytes()) {
                return failed(e.to_string());
            }
            link.queue(sender.drain());
            pinged = Some((Instant::now(), link.queued));
        }
        if let Some((at, bytes)) = pinged {
            if link.written >= bytes && ping_written.is_none() {
                ping_written = Some(Instant::now());
            }
            if link.acked >= round {
                // The round trip: from the ping leaving to its answer.
                let trip = ping_written.map_or(at.elapsed(), |t| t.elapsed());
                rtt = Some(rtt.map_or(trip, |r: Duration| r.min(trip)));
                let dirty = guest.mem.dirty_count();
                let expected = link.expected(dirty, rtt.unwrap_or(trip));
                let (t, before) = round_start;
                let s = sender.stats;
                let sent = s.bytes - before.bytes;
                if round == 1 {
                    first_round = (bytes, t0.elapsed());
                }
                progress(&format!(
                    "round {round}: {pages} pages ({} data, {} zero), {sent} bytes in {:.1} ms ({:.0} MB/s); {dirty} dirty pages left, expected downtime {:.2} ms",
                    s.pages - before.pages,
                    s.zero_pages - before.zero_pages,
                    t.elapsed().as_secs_f64() * 1e3,
                    mb_per_s(sent, t.elapsed()),
                    expected.as_secs_f64() * 1e3,
                ));
                if expected <= opts.downtime_limit || round >= opts.max_rounds {
                    break;
                }
                round += 1;
                pages = sender.take_round(&mut guest.mem);
                round_start = (Instant::now(), sender.stats);
                pinged = None;
                ping_written = None;
                continue;
            }
            if at.elapsed() > opts.timeout && link.last_written.elapsed() > opts.timeout {
                return failed(format!(
                    "the destination has not acknowledged round {round} for {:?}",
                    opts.timeout
                ));
            }
        }
        let left = opts.step_limit.saturating_sub(guest.steps);
        if left == 0 {
            guest_stop = Some(Stop::StepLimit);
            break;
        }
        let t = Instant::now();
        let stop = guest.run(opts.slice.min(left));
        run_time += t.elapsed();
        forward(guest, printed, out);
        if stop != Stop::StepLimit {
            // It exits (or dies) at the destination: switch over right here.
            guest_stop = Some(stop);
            break;
        }
    }

    // Stop-and-copy.
    let t_stop = Instant::now();
    let precopy_steps = guest.steps - steps_at_start;
    let stopped_ns = proto::now_ns();
    let switch_step = guest.steps;
    let (rest, stats) = match sender.complete(guest) {
        Ok(x) => x,
        Err(e) => return failed(e.to_string()),
    };
    link.queue(rest);
    progress(&format!(
        "stopped after {switch_step} instructions{}; stop-and-copy: {} bytes",
        guest_stop.map_or(String::new(), |s| format!(" (the guest {s} there)")),
        link.queued - link.written,
    ));
    loop {
        if link.shut == Some(0) {
            break;
        }
        if let Some(why) = link.failure() {
            let refused = link.shut.is_some() || link.reason.is_some();
            if link.in_flight == 0 && !link.will_wait && link.closed && !refused {
                // QEMU's rule (its own source resumes here): a QEMU destination
                // confirms a loaded stream with SHUT(0) only once it runs the guest,
                // and exits without a word when it refuses the stream.
                return failed(format!(
                    "{why} without confirming the stream (QEMU refuses a stream so: see its log)"
                ));
            }
            if link.in_flight == 0 && !link.will_wait && !refused {
                return Outcome::Unknown {
                    reason: format!(
                        "{why}, after the whole stream was sent to a destination that resumes on its own"
                    ),
                };
            }
            return failed(why);
        }
        if link.last_written.elapsed() > opts.timeout {
            if link.in_flight == 0 && !link.will_wait {
                return Outcome::Unknown {
                    reason: format!(
                        "no answer for {:?} after the whole stream was sent to a destination that resumes on its own",
                        opts.timeout
                    ),
                };
            }
            return failed(format!(
                "no answer from the destination for {:?} after the stop",
                opts.timeout
            ));
        }
        link.wait(opts.timeout.min(Duration::from_millis(100)));
    }
    let report = |resumed: Option<proto::Resumed>| {
        let now = Instant::now();
        Report {
            stats,
            switch_step,
            guest_stop,
            total: now - t0,
            downtime: resumed
                .filter(|r| r.same_clock)
                .map(|r| Duration::from_nanos(r.resumed_ns.saturating_sub(stopped_ns))),
            stop_to_answer: now - t_stop,
            confirmed: resumed.is_some(),
            precopy: t_stop - t0,
            precopy_steps,
            first_round,
        }
    };
    if !link.will_wait {
        return Outcome::Migrated(report(None));
    }

    // The hand-over: from here on the source never runs the guest.
    let h = Handover {
        stopped_ns,
        boot_id: proto::boot_id(),
        steps: switch_step,
        step_limit: opts.step_limit,
    };
    link.queue(h.record());
    let deadline = Instant::now() + opts.timeout;
    loop {
        if let Some(r) = link.resumed {
            let rep = report(Some(r));
            progress(&format!(
                "the destination resumed the guest {:.0} µs after the stop",
                rep.downtime.map_or(us(rep.stop_to_answer), us)
            ));
            return Outcome::Migrated(rep);
        }
        if let Some(why) = link.failure() {
            return Outcome::Unknown {
                reason: format!("{why}, after the hand-over was sent"),
            };
        }
        let now = Instant::now();
        if now >= deadline {
            return Outcome::Unknown {
                reason: format!("no answer for {:?} after the hand-over", opts.timeout),
            };
        }
        link.wait(deadline - now);
    }
}
