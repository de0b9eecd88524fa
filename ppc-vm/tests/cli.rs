//! `ppc-vm` as a user runs it: two processes on loopback for live migration, snapshots
//! through files, refusals, a destination that dies mid-stream, garbage sent to a
//! listener. Results are checked against uninterrupted runs.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

use common::{bin, unpack};

fn tmp() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "ppc-vm-test-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A fixture program, unpacked.
fn program(name: &str, dir: &Path) -> PathBuf {
    unpack("ppc-programs/bin", name, dir)
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `migrate-listen` destination process.
struct Dest {
    child: Child,
    stderr: std::thread::JoinHandle<String>,
}

struct DestOutput {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

impl Dest {
    fn wait(mut self) -> DestOutput {
        let mut stdout = Vec::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_end(&mut stdout)
            .unwrap();
        let status = self.child.wait().unwrap();
        DestOutput {
            code: status.code(),
            stdout,
            stderr: self.stderr.join().unwrap(),
        }
    }
}

/// Starts a destination and waits until it listens (its first stderr line).
fn listen(addr: &str, args: &[&str]) -> Dest {
    use std::io::BufRead;
    let mut child = bin()
        .arg("migrate-listen")
        .arg(addr)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    assert!(first.contains("listening"), "{first}");
    let stderr = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = err.read_to_string(&mut rest);
        first + &rest
    });
    Dest { child, stderr }
}

#[test]
fn run_forwards_stdout_and_exits_with_the_guest_status() {
    let d = tmp();
    let sieve = program("sieve", &d);
    let out = run(&["run", sieve.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(46));
    assert_eq!(out.stdout.len(), 200);
    let isa3 = program("isa3", &d);
    let out = run(&["run", isa3.to_str().unwrap(), "--cpu", "POWER8"]);
    assert_eq!(out.status.code(), Some(132), "SIGILL on power8");
    assert!(String::from_utf8_lossy(&out.stderr).contains("illegal instruction"));
    let out = run(&[
        "run",
        isa3.to_str().unwrap(),
        "--cpu",
        "power9",
        "--compat",
        "power8",
    ]);
    assert_eq!(
        out.status.code(),
        Some(132),
        "SIGILL on power9 in power8 mode"
    );
    let out = run(&["run", isa3.to_str().unwrap(), "--cpu", "power9_v2.0"]);
    assert_eq!(out.status.code(), Some(155));
    let out = run(&["run", isa3.to_str().unwrap(), "--cpu", "power11"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown CPU model 'power11'"));
}

#[test]
fn a_written_trace_matches_the_reference_format() {
    let d = tmp();
    let fib = program("fib", &d);
    let trace = d.join("fib.trace");
    let out = run(&[
        "run",
        fib.to_str().unwrap(),
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(120));
    let text = std::fs::read_to_string(&trace).unwrap();
    assert_eq!(text.lines().filter(|l| l.starts_with("step ")).count(), 549);
    assert!(text.contains("\nend status=120\nstdout -\n"));
}

#[test]
fn save_then_restore_equals_an_uninterrupted_run() {
    let d = tmp();
    let sieve = program("sieve", &d);
    let whole = run(&["run", sieve.to_str().unwrap()]);
    for n in ["1", "500", "2000"] {
        let snap = d.join(format!("sieve-{n}.mig"));
        let first = run(&[
            "run",
            sieve.to_str().unwrap(),
            "--cpu",
            "power9",
            "--compat",
            "power8",
            "--save-after",
            n,
            snap.to_str().unwrap(),
        ]);
        assert_eq!(
            first.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&first.stderr)
        );
        let second = run(&["restore", snap.to_str().unwrap(), "--cpu", "power8"]);
        assert_eq!(
            second.status.code(),
            whole.status.code(),
            "{}",
            String::from_utf8_lossy(&second.stderr)
        );
        let mut out = first.stdout.clone();
        out.extend_from_slice(&second.stdout);
        assert_eq!(out, whole.stdout);
        // And the snapshot is a QEMU stream the analyzer reads.
        let data = std::fs::read(&snap).unwrap();
        let v = vmstate_tools_analyze(&data);
        assert!(v.contains("\"cpu (") && v.contains("\"ram (1)\""), "{v}");
    }
}

fn vmstate_tools_analyze(data: &[u8]) -> String {
    let v = vmstate_tools::analyze::analyze(data, Default::default()).unwrap();
    v.to_string()
}

#[test]
fn live_migration_between_two_processes() {
    let d = tmp();
    for (prog, after) in [("sieve", "700"), ("crc", "300"), ("branch", "250")] {
        let p = program(prog, &d);
        let whole = run(&["run", p.to_str().unwrap(), "--cpu", "power8"]);
        let addr = format!("127.0.0.1:{}", free_port());
        let dst = listen(&addr, &["--cpu", "POWER8"]);
        let src = run(&[
            "run",
            p.to_str().unwrap(),
            "--cpu",
            "power9",
            "--compat",
            "power8",
            "--migrate-to",
            &addr,
            "--after",
            after,
        ]);
        let dst = dst.wait();
        let serr = String::from_utf8_lossy(&src.stderr);
        assert_eq!(src.status.code(), Some(0), "{prog} source: {serr}");
        assert!(
            serr.contains("rounds") && serr.contains("downtime"),
            "{serr}"
        );
        assert_eq!(
            dst.code,
            whole.status.code(),
            "{prog} destination: {}",
            dst.stderr
        );
        let mut out = src.stdout.clone();
        out.extend_from_slice(&dst.stdout);
        assert_eq!(out, whole.stdout, "{prog}: output");
    }
}

#[test]
fn a_refused_migration_loses_nothing() {
    let d = tmp();
    let sieve = program("sieve", &d);
    let whole = run(&["run", sieve.to_str().unwrap()]);
    let addr = format!("127.0.0.1:{}", free_port());
    let dst = listen(&addr, &["--cpu", "power8"]);
    let src = run(&[
        "run",
        sieve.to_str().unwrap(),
        "--cpu",
        "power9",
        "--migrate-to",
        &addr,
        "--after",
        "700",
    ]);
    let dst = dst.wait();
    let derr = &dst.stderr;
    assert_ne!(dst.code, Some(0));
    assert!(derr.contains("PVR 0x004e1200"), "{derr}");
    let serr = String::from_utf8_lossy(&src.stderr);
    assert!(
        serr.contains("failed: cpu: at byte")
            && serr.contains("PVR 0x004e1200")
            && serr.contains("continues here"),
        "the destination's reason reaches the source: {serr}"
    );
    assert_eq!(src.status.code(), whole.status.code());
    assert_eq!(src.stdout, whole.stdout);
}

#[test]
fn backward_migration_to_pseries_2_9() {
    let d = tmp();
    let sieve = program("sieve", &d);
    let whole = run(&["run", sieve.to_str().unwrap()]);
    let addr = format!("127.0.0.1:{}", free_port());
    let dst = listen(&addr, &["--cpu", "power9", "--machine", "pseries-2.9"]);
    let src = run(&[
        "run",
        sieve.to_str().unwrap(),
        "--cpu",
        "power9",
        "--compat",
        "power8",
        "--machine",
        "pseries-2.9",
        "--migrate-to",
        &addr,
        "--after",
        "700",
    ]);
    let dst = dst.wait();
    assert_eq!(
        src.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&src.stderr)
    );
    assert_eq!(dst.code, whole.status.code(), "{}", dst.stderr);
    // A machine-type mismatch is refused before the CPU.
    let addr = format!("127.0.0.1:{}", free_port());
    let dst = listen(&addr, &["--cpu", "power9", "--machine", "pseries-2.10"]);
    let src = run(&[
        "run",
        sieve.to_str().unwrap(),
        "--machine",
        "pseries-2.9",
        "--migrate-to",
        &addr,
        "--after",
        "700",
    ]);
    let dst = dst.wait();
    assert!(dst
        .stderr
        .contains("Machine type received is 'pseries-2.9' and local is 'pseries-2.10'"));
    assert_eq!(src.stdout, whole.stdout, "the source finished");
}

#[test]
fn a_destination_dying_mid_stream_leaves_the_source_running() {
    let d = tmp();
    let sieve = program("sieve", &d);
    let whole = run(&["run", sieve.to_str().unwrap()]);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let killer = std::thread::spawn(move || {
        let (mut c, _) = listener.accept().unwrap();
        let mut buf = [0u8; 1000];
        let _ = c.read(&mut buf);
        drop(c); // dies after the first bytes
    });
    let src = run(&[
        "run",
        sieve.to_str().unwrap(),
        "--migrate-to",
        &addr,
        "--after",
        "700",
    ]);
    killer.join().unwrap();
    assert!(
        String::from_utf8_lossy(&src.stderr).contains("failed: ")
            && String::from_utf8_lossy(&src.stderr).contains("continues here"),
        "{}",
        String::from_utf8_lossy(&src.stderr)
    );
    assert_eq!(src.status.code(), whole.status.code());
    assert_eq!(src.stdout, whole.stdout);
}

#[test]
fn garbage_and_truncated_streams_give_a_clear_error() {
    let d = tmp();
    let sieve = program("sieve", &d);
    let snap = d.join("s.mig");
    run(&[
        "run",
        sieve.to_str().unwrap(),
        "--save-after",
        "500",
        snap.to_str().unwrap(),
    ]);
    let good = std::fs::read(&snap).unwrap();
    let send = |addr: &str, bytes: &[u8]| {
        let mut c = TcpStream::connect(addr).unwrap();
        // The destination may close as soon as it has refused the header: a failed
        // write or shutdown is then expected, what it answered is checked below.
        let _ = c.write_all(bytes);
        let _ = c.shutdown(std::net::Shutdown::Write);
        let mut answer = Vec::new();
        let _ = c.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", b"this is not a migration stream at all".to_vec()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("header only", good[..8].to_vec()),
    ];
    for (what, bytes) in cases {
        let addr = format!("127.0.0.1:{}", free_port());
        let dst = listen(&addr, &["--cpu", "power9"]);
        let answer = send(&addr, &bytes);
        if what == "garbage" {
            // Not a stream: answered, dropped, and the listener waits on; a truncated
            // stream then ends it.
            assert!(answer.contains("not a QEMU migration stream"), "{answer}");
            let answer = send(&addr, &good[..good.len() / 2]);
            assert!(answer.contains("ends before"), "{answer}");
        } else {
            assert!(answer.contains("ends before"), "{what}: {answer}");
        }
        let out = dst.wait();
        let err = &out.stderr;
        assert_eq!(out.code, Some(125), "{what}: {err}");
        assert!(
            err.contains("refused") && !err.contains("panicked"),
            "{what}: {err}"
        );
        // The same bytes as a snapshot file.
        let f = d.join("bad.mig");
        std::fs::write(&f, &bytes).unwrap();
        let r = run(&["restore", f.to_str().unwrap()]);
        assert_eq!(r.status.code(), Some(125), "{what}");
        assert_eq!(
            String::from_utf8_lossy(&r.stderr).lines().count(),
            1,
            "{what}: one line"
        );
    }
}

#[test]
fn a_snapshot_is_written_atomically() {
    let d = tmp();
    let sieve = program("sieve", &d);
    let whole = run(&["run", sieve.to_str().unwrap()]);
    let snap = d.join("keep.mig");
    let first = run(&[
        "run",
        sieve.to_str().unwrap(),
        "--save-after",
        "500",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(first.status.code(), Some(0));
    let before = std::fs::read(&snap).unwrap();
    // A directory that cannot take the file: the write fails, the guest runs on.
    let out = run(&[
        "run",
        sieve.to_str().unwrap(),
        "--save-after",
        "500",
        d.join("no/such/dir/s.mig").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("snapshot not written") && err.contains("continues here"),
        "{err}"
    );
    assert_eq!(out.status.code(), whole.status.code());
    assert_eq!(out.stdout, whole.stdout);
    // Overwriting goes through a temporary file: the old snapshot stays whole until
    // the new one replaces it, and no temporary file is left.
    let again = run(&[
        "run",
        sieve.to_str().unwrap(),
        "--save-after",
        "900",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(0));
    assert_ne!(std::fs::read(&snap).unwrap(), before);
    let names: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn conflicting_or_bad_flags_are_refused() {
    let d = tmp();
    let sieve = program("sieve", &d);
    let p = sieve.to_str().unwrap();
    for (args, says) in [
        (
            vec!["run", p, "--trace", "t", "--migrate-to", "127.0.0.1:1"],
            "cannot be used with",
        ),
        (
            vec![
                "run",
                p,
                "--save-after",
                "5",
                "f",
                "--migrate-to",
                "127.0.0.1:1",
            ],
            "cannot be used with",
        ),
        (vec!["run", p, "--after", "5"], "--migrate-to"),
        (
            vec![
                "run",
                p,
                "--migrate-to",
                "127.0.0.1:1",
                "--round-steps",
                "0",
            ],
            "round-steps",
        ),
        (
            vec!["run", p, "--migrate-to", "127.0.0.1:1", "--timeout", "0"],
            "timeout",
        ),
        (
            vec!["run", p, "--migrate-to", "127.0.0.1:1", "--timeout", "soon"],
            "timeout",
        ),
    ] {
        let out = run(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let help = run(&["run", "--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        text.contains("Exit status") && text.contains("126"),
        "{text}"
    );
}

#[test]
fn a_stream_cannot_make_the_destination_allocate_without_bound() {
    use vmstate::ram::{self, RamBlock};
    use vmstate::stream::{kind, StreamWriter};
    // 4,096 blocks of 4 GiB each announced in the block list.
    let mut w = StreamWriter::new("pseries-7.2", 4096);
    let blocks: Vec<RamBlock> = (0..8)
        .map(|i| RamBlock {
            name: format!("ppc-vm.b{i}@{:#x}", (i as u64) << 33),
            used_length: 4 << 30,
        })
        .collect();
    w.iterative(kind::START, "ram", 0, 4, |w| {
        ram::write_mem_size(w, &blocks)?;
        ram::write_zero(w, &blocks[0].name, 0, false)?;
        ram::write_zero(w, &blocks[1].name, 0, false)?;
        ram::write_eos(w);
        Ok(())
    })
    .unwrap();
    let stream = w.finish();
    let machine = ppc_target::compat::MachineType::latest();
    let e = ppc_vm::migration::restore(
        &stream,
        machine,
        ppc_target::models::CpuModel::power9(),
        None,
    )
    .unwrap_err();
    assert!(
        matches!(e.kind(), vmstate::ErrorKind::LimitExceeded { .. }),
        "{e}"
    );
    assert!(e.to_string().starts_with("ram: at byte"), "{e}");
}
