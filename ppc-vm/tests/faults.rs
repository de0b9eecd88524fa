//! Live migration under faults, between two `ppc-vm` processes on loopback with a
//! fault-injecting proxy between them. Every case checks the invariant: across both
//! sides the guest's output appears once, in order, and its exit status is reported
//! once — or the sides that report "outcome unknown" saved a state that `ppc-vm
//! restore` finishes correctly. The guest is the demo's (38 M instructions, output
//! throughout), so every hand-over happens mid-run.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

use common::bin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::Duration;

const TIMEOUT: &str = "2";
const AFTER: &str = "3000000";

static CASE: AtomicU64 = AtomicU64::new(0);

fn tmp() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "ppc-vm-faults-{}-{}",
        std::process::id(),
        CASE.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The demo guest as a file, and its uninterrupted run on POWER8.
fn guest() -> &'static (PathBuf, Output) {
    static G: OnceLock<(PathBuf, Output)> = OnceLock::new();
    G.get_or_init(|| {
        let p = tmp().join("guest.elf");
        std::fs::write(&p, ppc_vm::demo::program()).unwrap();
        let out = bin()
            .args(["run", p.to_str().unwrap(), "--cpu", "power8"])
            .output()
            .unwrap();
        assert_eq!(out.stdout.iter().filter(|&&b| b == b'#').count(), 24);
        (p, out)
    })
}

/// One process's end.
#[derive(Debug)]
struct Side {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

fn spawn(args: &[&str], dir: &Path) -> Child {
    bin()
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait(child: Arc<Mutex<Child>>) -> Side {
    let (mut so, mut se) = {
        let mut c = child.lock().unwrap();
        (c.stdout.take().unwrap(), c.stderr.take().unwrap())
    };
    let t = thread::spawn(move || {
        let mut s = String::new();
        let _ = se.read_to_string(&mut s);
        s
    });
    let mut stdout = Vec::new();
    let _ = so.read_to_end(&mut stdout);
    let stderr = t.join().unwrap();
    let code = child.lock().unwrap().wait().unwrap().code();
    Side {
        code,
        stdout,
        stderr,
    }
}

/// A destination process, started and listening.
struct Dest {
    child: Arc<Mutex<Child>>,
    addr: String,
    stderr: Arc<Mutex<String>>,
    reader: thread::JoinHandle<()>,
}

fn destination(dir: &Path, extra: &[&str]) -> Dest {
    use std::io::BufRead;
    let mut args = vec![
        "migrate-listen",
        "127.0.0.1:0",
        "--cpu",
        "power8",
        "--timeout",
        TIMEOUT,
    ];
    args.extend_from_slice(&["--state-file", "dst.mig"]);
    args.extend_from_slice(extra);
    let mut child = spawn(&args, dir);
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    let addr = first
        .trim()
        .rsplit(' ')
        .next()
        .expect("listening on ADDR")
        .to_owned();
    let stderr = Arc::new(Mutex::new(first));
    let sink = stderr.clone();
    let reader = thread::spawn(move || {
        let mut line = String::new();
        while matches!(err.read_line(&mut line), Ok(n) if n > 0) {
            sink.lock().unwrap().push_str(&line);
            line.clear();
        }
    });
    Dest {
        child: Arc::new(Mutex::new(child)),
        addr,
        stderr,
        reader,
    }
}

/// Waits for the destination; one that is still listening (its only connection was
/// dropped) after the source finished is stopped here (its code is then `None`).
fn wait_dest(d: Dest) -> Side {
    let mut so = d.child.lock().unwrap().stdout.take().unwrap();
    let out = thread::spawn(move || {
        let mut stdout = Vec::new();
        let _ = so.read_to_end(&mut stdout);
        stdout
    });
    let start = std::time::Instant::now();
    let code = loop {
        if let Some(st) = d.child.lock().unwrap().try_wait().unwrap() {
            break st.code();
        }
        let listening = d.stderr.lock().unwrap().ends_with("still listening\n");
        if listening || start.elapsed() > Duration::from_secs(120) {
            let mut c = d.child.lock().unwrap();
            let _ = c.kill();
            let _ = c.wait();
            assert!(listening, "the destination never ended");
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let stdout = out.join().unwrap();
    d.reader.join().unwrap();
    let stderr = d.stderr.lock().unwrap().clone();
    Side {
        code,
        stdout,
        stderr,
    }
}

fn source(dir: &Path, to: &str, extra: &[&str]) -> Arc<Mutex<Child>> {
    source_after(dir, to, AFTER, extra)
}

fn source_after(dir: &Path, to: &str, after: &str, extra: &[&str]) -> Arc<Mutex<Child>> {
    let (p, _) = guest();
    let mut args = vec![
        "run",
        p.to_str().unwrap(),
        "--cpu",
        "power9",
        "--compat",
        "power8",
        "--migrate-to",
        to,
        "--after",
        after,
        "--timeout",
        TIMEOUT,
        "--state-file",
        "src.mig",
    ];
    args.extend_from_slice(extra);
    Arc::new(Mutex::new(spawn(&args, dir)))
}

fn restore(state: &Path) -> Output {
    bin()
        .args(["restore", state.to_str().unwrap(), "--cpu", "power8"])
        .output()
        .unwrap()
}

/// The invariant, for one source and one destination of one guest.
fn assert_once(what: &str, dir: &Path, src: &Side, dst: &Side) {
    let (_, reference) = guest();
    let ctx = format!("{what}\nsource {src:?}\ndestination {dst:?}");
    for s in [&src.stderr, &dst.stderr] {
        assert!(!s.contains("panicked"), "{ctx}");
    }
    let status = reference.status.code();
    assert!(status.is_some() && ![Some(0), Some(125), Some(126)].contains(&status));
    let ran_src = src.code == status;
    let ran_dst = dst.code == status;
    assert!(!(ran_src && ran_dst), "the guest ran on both sides: {ctx}");
    assert!(
        [Some(0), Some(126), None].contains(&src.code) || ran_src,
        "source status: {ctx}"
    );
    assert!(
        [Some(125), Some(126), None].contains(&dst.code) || ran_dst,
        "destination status: {ctx}"
    );
    let mut out = src.stdout.clone();
    out.extend_from_slice(&dst.stdout);
    let unknown: Vec<PathBuf> = [(src, "src.mig"), (dst, "dst.mig")]
        .into_iter()
        .filter(|(s, _)| s.code == Some(126))
        .map(|(s, f)| {
            assert!(s.stderr.contains("outcome unknown"), "{ctx}");
            let p = dir.join(f);
            assert!(p.exists(), "{} saved: {ctx}", p.display());
            p
        })
        .collect();
    if ran_src || ran_dst {
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&reference.stdout),
            "output once, in order: {ctx}"
        );
        if ran_src {
            assert!(dst.stdout.is_empty(), "{ctx}");
        }
    } else {
        assert!(!unknown.is_empty(), "the guest was lost: {ctx}");
        for state in &unknown {
            let r = restore(state);
            let mut all = out.clone();
            all.extend_from_slice(&r.stdout);
            assert_eq!(
                r.status.code(),
                status,
                "restoring {}: {ctx}",
                state.display()
            );
            assert_eq!(
                String::from_utf8_lossy(&all),
                String::from_utf8_lossy(&reference.stdout),
                "restored {}: {ctx}",
                state.display()
            );
        }
    }
}

/// A return-path message kind the proxy can act on.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Msg {
    /// `SHUT(0)`: the destination loaded everything.
    Loaded,
    /// The answer to the hand-over.
    Resumed,
    /// The n-th PONG.
    Pong(u32),
}

/// What the proxy does to the connection.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Forwards everything.
    None,
    /// Forwards the first N stream bytes, then closes both sides.
    Truncate(u64),
    /// Stops forwarding the stream at byte N for this long.
    Stall(u64, Duration),
    /// Sends stream bytes [N, N + len) twice.
    Duplicate(u64, usize),
    /// Stops reading the stream at byte N (and keeps the connection open).
    StopReading(u64),
    /// Drops return-path messages from the first one of this kind on; closes the
    /// source's side when `close`.
    LoseAnswer(Msg, bool),
    /// Once the destination loaded, cuts the stream (the hand-over never arrives) and
    /// closes both sides.
    CutAfterLoaded,
    /// At this return-path message, kills the destination (before forwarding it).
    KillDestAt(Msg),
    /// At this return-path message, kills the source (before forwarding it).
    KillSourceAt(Msg),
    /// Kills the destination at stream byte N.
    KillDestAtByte(u64),
}

struct Proxy {
    addr: String,
}

fn msg_kind(t: u16, payload: &[u8], pongs: &mut u32) -> Option<Msg> {
    match (t, payload) {
        (1, [0, 0, 0, 0]) => Some(Msg::Loaded),
        (0x7e02, _) => Some(Msg::Resumed),
        (2, _) => {
            *pongs += 1;
            Some(Msg::Pong(*pongs))
        }
        _ => None,
    }
}

/// A one-connection proxy from a fresh port to `to`, applying `fault`; `kill` is called
/// with "source" or "destination" at a kill point.
fn proxy(to: String, fault: Fault, kill: impl Fn(&str) + Send + Sync + 'static) -> Proxy {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let kill = Arc::new(kill);
    thread::spawn(move || {
        let Ok((src, _)) = l.accept() else { return };
        let dst = TcpStream::connect(&to).unwrap();
        let loaded = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (done_tx, done_rx) = mpsc::channel::<()>();
        // Destination -> source (the return path), message by message.
        {
            let (mut from, mut into) = (dst.try_clone().unwrap(), src.try_clone().unwrap());
            let (loaded, kill, done_tx) = (loaded.clone(), kill.clone(), done_tx.clone());
            let src_close = src.try_clone().unwrap();
            let dst_close = dst.try_clone().unwrap();
            thread::spawn(move || {
                let mut pongs = 0;
                let mut dropping = false;
                loop {
                    let mut head = [0u8; 4];
                    if from.read_exact(&mut head).is_err() {
                        break;
                    }
                    let t = u16::from_be_bytes([head[0], head[1]]);
                    let mut p = vec![0u8; u16::from_be_bytes([head[2], head[3]]) as usize];
                    if from.read_exact(&mut p).is_err() {
                        break;
                    }
                    let m = msg_kind(t, &p, &mut pongs);
                    if m == Some(Msg::Loaded) {
                        loaded.store(true, Ordering::SeqCst);
                    }
                    match fault {
                        Fault::LoseAnswer(k, close) if m == Some(k) || dropping => {
                            dropping = true;
                            if close {
                                let _ = src_close.shutdown(Shutdown::Both);
                                let _ = dst_close.shutdown(Shutdown::Both);
                                break;
                            }
                            continue;
                        }
                        Fault::KillDestAt(k) if m == Some(k) => kill("destination"),
                        Fault::KillSourceAt(k) if m == Some(k) => kill("source"),
                        Fault::CutAfterLoaded if m == Some(Msg::Loaded) => {
                            // The answer reaches the source; its hand-over does not
                            // reach the destination.
                            let _ = into.write_all(&head);
                            let _ = into.write_all(&p);
                            thread::sleep(Duration::from_millis(200));
                            let _ = src_close.shutdown(Shutdown::Both);
                            let _ = dst_close.shutdown(Shutdown::Both);
                            break;
                        }
                        _ => {}
                    }
                    if into
                        .write_all(&head)
                        .and_then(|()| into.write_all(&p))
                        .is_err()
                    {
                        break;
                    }
                }
                let _ = into.shutdown(Shutdown::Write);
                let _ = done_tx.send(());
            });
        }
        // Source -> destination (the stream).
        let (mut from, mut into) = (src.try_clone().unwrap(), dst.try_clone().unwrap());
        let mut off = 0u64;
        let mut buf = vec![0u8; 1 << 16];
        let at = match fault {
            Fault::Truncate(n)
            | Fault::Stall(n, _)
            | Fault::Duplicate(n, _)
            | Fault::StopReading(n)
            | Fault::KillDestAtByte(n) => n,
            _ => u64::MAX,
        };
        let mut fired = false;
        loop {
            if !fired && off == at {
                fired = true;
                match fault {
                    Fault::Truncate(_) => {
                        let _ = src.shutdown(Shutdown::Both);
                        let _ = dst.shutdown(Shutdown::Both);
                        break;
                    }
                    Fault::Stall(_, d) => thread::sleep(d),
                    Fault::StopReading(_) => {
                        // Keep both open, read nothing, until the return path ends.
                        let _ = done_rx.recv_timeout(Duration::from_secs(30));
                        break;
                    }
                    Fault::KillDestAtByte(_) => kill("destination"),
                    _ => {}
                }
            }
            let want = if fired {
                buf.len()
            } else {
                buf.len().min((at - off) as usize)
            };
            let n = match from.read(&mut buf[..want]) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if let (Fault::Duplicate(_, len), true) = (fault, off == at) {
                let k = len.min(n);
                let _ = into.write_all(&buf[..k]);
            }
            if matches!(fault, Fault::CutAfterLoaded) && loaded.load(Ordering::SeqCst) {
                break;
            }
            if into.write_all(&buf[..n]).is_err() {
                break;
            }
            off += n as u64;
        }
        let _ = into.shutdown(Shutdown::Write);
        let _ = done_rx.recv_timeout(Duration::from_secs(30));
    });
    Proxy { addr }
}

/// One migration through a proxy with `fault`; checks the invariant.
fn case(what: &str, fault: Fault) {
    let dir = tmp();
    let dest = destination(&dir, &[]);
    let dst_child = dest.child.clone();
    let src_slot: Arc<Mutex<Option<Arc<Mutex<Child>>>>> = Arc::new(Mutex::new(None));
    let slot = src_slot.clone();
    let p = proxy(dest.addr.clone(), fault, move |who| {
        let c = if who == "source" {
            slot.lock().unwrap().clone().unwrap()
        } else {
            dst_child.clone()
        };
        let mut c = c.lock().unwrap();
        let _ = c.kill();
        let _ = c.wait();
    });
    let src = source(&dir, &p.addr, &[]);
    *src_slot.lock().unwrap() = Some(src.clone());
    let src_side = wait(src);
    let dst_side = wait_dest(dest);
    eprintln!(
        "{what} ({fault:?}): source {:?}, destination {:?}",
        src_side.code, dst_side.code
    );
    assert_once(&format!("{what} ({fault:?})"), &dir, &src_side, &dst_side);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_clean_migration_hands_over_mid_run() {
    let dir = tmp();
    let dest = destination(&dir, &[]);
    let src = source(&dir, &dest.addr, &[]);
    let s = wait(src);
    let d = wait_dest(dest);
    assert_once("clean", &dir, &s, &d);
    assert_eq!(s.code, Some(0), "{}", s.stderr);
    // Handed over mid-run: both sides printed part of the output.
    assert!(
        s.stdout.contains(&b'#') && d.stdout.contains(&b'#'),
        "{s:?} {d:?}"
    );
    assert!(
        s.stderr.contains("round 1:") && s.stderr.contains("expected downtime"),
        "{}",
        s.stderr
    );
    assert!(
        s.stderr.contains("downtime") && s.stderr.contains("one clock"),
        "{}",
        s.stderr
    );
    assert!(
        d.stderr.contains("connection from 127.0.0.1"),
        "{}",
        d.stderr
    );
    assert!(d.stderr.contains("round 1 loaded"), "{}", d.stderr);
}

#[test]
fn the_answer_lost_at_each_message() {
    case("no fault, through the proxy", Fault::None);
    for m in [Msg::Pong(1), Msg::Pong(3), Msg::Loaded, Msg::Resumed] {
        for close in [false, true] {
            case("answer lost", Fault::LoseAnswer(m, close));
        }
    }
}

#[test]
fn the_stream_truncated_at_many_offsets() {
    for n in [0, 3, 8, 40, 4_096, 70_000, 300_000, 1_000_000] {
        case("truncated", Fault::Truncate(n));
    }
    case("hand-over cut", Fault::CutAfterLoaded);
}

#[test]
fn delays_beyond_the_timeout_duplicates_and_a_stalled_reader() {
    for n in [0, 20, 100_000] {
        case("stalled", Fault::Stall(n, Duration::from_secs(3)));
    }
    for n in [30, 5_000, 200_000] {
        case("duplicated", Fault::Duplicate(n, 7));
    }
    for n in [0, 50_000] {
        case("stalled reader", Fault::StopReading(n));
    }
}

#[test]
fn a_killed_peer_at_several_points() {
    for n in [10, 150_000] {
        case("destination killed", Fault::KillDestAtByte(n));
    }
    // (Killing the destination after it resumed kills the guest itself: not a
    // migration fault.)
    for m in [Msg::Pong(2), Msg::Loaded] {
        case("destination killed", Fault::KillDestAt(m));
    }
    for m in [Msg::Loaded, Msg::Resumed] {
        case("source killed", Fault::KillSourceAt(m));
    }
}

#[test]
fn two_sources_at_once_one_migrates_the_other_runs_on() {
    let dir = tmp();
    let dest = destination(&dir, &[]);
    let a = source(&dir, &dest.addr, &[]);
    let other = tmp();
    let b = source(&other, &dest.addr, &[]);
    let (a, b) = (wait(a), wait(b));
    let d = wait_dest(dest);
    let (migrated, ran_on) = if a.code == Some(0) { (a, b) } else { (b, a) };
    assert_eq!(migrated.code, Some(0), "{migrated:?}");
    assert!(ran_on.stderr.contains("busy"), "{}", ran_on.stderr);
    assert_once("two sources: the one that migrated", &dir, &migrated, &d);
    let none = Side {
        code: Some(125),
        stdout: Vec::new(),
        stderr: String::new(),
    };
    assert_once("two sources: the one that ran on", &other, &ran_on, &none);
}

#[test]
fn probes_idle_and_garbage_connections_do_not_take_the_listener() {
    let dir = tmp();
    let dest = destination(&dir, &[]);
    // A port probe, garbage, and an idle connection (dropped after the timeout).
    drop(TcpStream::connect(&dest.addr).unwrap());
    let mut g = TcpStream::connect(&dest.addr).unwrap();
    g.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    let _ = g.read_to_end(&mut answer);
    assert!(String::from_utf8_lossy(&answer).contains("not a QEMU migration stream"));
    let idle = TcpStream::connect(&dest.addr).unwrap();
    thread::sleep(Duration::from_millis(2500));
    drop(idle);
    // One more idle connection, open during the whole migration: it holds nothing.
    let idle = TcpStream::connect(&dest.addr).unwrap();
    let src = source(&dir, &dest.addr, &[]);
    let s = wait(src);
    drop(idle);
    let d = wait_dest(dest);
    assert_once("after probes", &dir, &s, &d);
    assert_eq!(s.code, Some(0), "{}", s.stderr);
    assert!(
        d.stderr.matches("still listening").count() >= 3,
        "{}",
        d.stderr
    );
}

#[test]
fn refused_connect_and_unresolvable_addresses_keep_the_guest_running() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for to in [
        format!("127.0.0.1:{port}"),
        "no-such-host.invalid:4444".to_owned(),
        "127.0.0.1".to_owned(),
    ] {
        let dir = tmp();
        let s = wait(source(&dir, &to, &[]));
        let none = Side {
            code: Some(125),
            stdout: Vec::new(),
            stderr: String::new(),
        };
        assert_once(&format!("connect to {to}"), &dir, &s, &none);
        assert!(s.stderr.contains("continues here"), "{}", s.stderr);
    }
}

#[test]
fn max_steps_holds_across_a_migration() {
    let (p, _) = guest();
    let limit = "20000000";
    let whole = bin()
        .args([
            "run",
            p.to_str().unwrap(),
            "--cpu",
            "power8",
            "--max-steps",
            limit,
        ])
        .output()
        .unwrap();
    assert_eq!(whole.status.code(), Some(124));
    let dir = tmp();
    let dest = destination(&dir, &[]);
    let s = wait(source(&dir, &dest.addr, &["--max-steps", limit]));
    let d = wait_dest(dest);
    assert_eq!(s.code, Some(0), "{}", s.stderr);
    assert_eq!(d.code, Some(124), "{}", d.stderr);
    let mut out = s.stdout.clone();
    out.extend_from_slice(&d.stdout);
    assert_eq!(out, whole.stdout);
}

#[test]
fn a_guest_that_exits_during_pre_copy_exits_at_the_destination() {
    // --after beyond the guest's end: the migration starts where the guest exits, and
    // the exit itself happens at the destination.
    let dir = tmp();
    let dest = destination(&dir, &[]);
    let s = wait(source_after(&dir, &dest.addr, "999999999999", &[]));
    let d = wait_dest(dest);
    assert_once("exit before --after", &dir, &s, &d);
    let (_, reference) = guest();
    assert_eq!(d.code, reference.status.code(), "{}", d.stderr);
    assert!(s.stderr.contains("at the destination"), "{}", s.stderr);
}
