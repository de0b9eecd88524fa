//! gcc-built static glibc programs (`tests/data/c-programs`, big-endian ppc64 and
//! little-endian ppc64le): their output and exit status equal qemu-ppc64's and
//! qemu-ppc64le's, and they survive a snapshot and a live migration mid-run (program
//! break and heap included). The qemu-user comparison is skipped when it is missing,
//! unless REQUIRE_QEMU is set.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{bin, unpack};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ppc-vm-c-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn program(name: &str, dir: &Path) -> PathBuf {
    unpack("c-programs/bin", name, dir)
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

/// The programs, with an argument (`files` reads the file it is given: its own source).
const PROGRAMS: [(&str, Option<&str>); 9] = [
    ("stdio", None),
    ("cxx", None),
    ("vec", None),
    ("libc", None),
    ("work", None),
    ("grow", None),
    ("remap", None),
    ("fpmath", None),
    ("files", Some("../tests/data/c-programs/src/files.c")),
];

#[test]
fn c_programs_match_qemu_user() {
    let dir = tmp("qemu");
    // Big-endian (NAME.elf) under qemu-ppc64, little-endian (NAME-le.elf) under
    // qemu-ppc64le; on POWER9 and POWER8, whose AT_HWCAP2 make glibc pick different
    // string and memory routines.
    for (suffix, qemu) in [("", "qemu-ppc64"), ("-le", "qemu-ppc64le")] {
        let have = Command::new(qemu).arg("--version").output().is_ok();
        if !have && std::env::var_os("REQUIRE_QEMU").is_some() {
            panic!("{qemu} is required (REQUIRE_QEMU is set) but missing");
        }
        for cpu in ["power9", "power8"] {
            for (name, arg) in PROGRAMS {
                let name = format!("{name}{suffix}");
                let p = program(&name, &dir);
                let arg = arg.map(|a| {
                    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                        .join(a)
                        .to_string_lossy()
                        .into_owned()
                });
                let mut args = vec!["run", p.to_str().unwrap(), "--cpu", cpu];
                if let Some(a) = &arg {
                    args.extend_from_slice(&["--", a]);
                }
                let ours = run(&args);
                assert!(
                    ours.stderr.is_empty(),
                    "{name} on {cpu}: {}",
                    String::from_utf8_lossy(&ours.stderr)
                );
                assert!(!ours.stdout.is_empty(), "{name}");
                if have {
                    let theirs = Command::new(qemu)
                        .args(["-cpu", cpu])
                        .arg(&p)
                        .args(arg.iter())
                        .output()
                        .unwrap();
                    assert_eq!(
                        String::from_utf8_lossy(&ours.stdout),
                        String::from_utf8_lossy(&theirs.stdout),
                        "{name} on {cpu}: stdout"
                    );
                    assert_eq!(
                        ours.status.code(),
                        theirs.status.code(),
                        "{name} on {cpu}: status"
                    );
                }
            }
        }
    }
}

#[test]
fn a_program_reads_its_stdin_as_under_qemu_user() {
    // `files SOURCE -` also reads stdin to its end (read(0) on the host's stdin).
    let dir = tmp("stdin");
    let src =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/c-programs/src/files.c");
    let input = std::fs::read(&src).unwrap();
    for (suffix, qemu) in [("", "qemu-ppc64"), ("-le", "qemu-ppc64le")] {
        let p = program(&format!("files{suffix}"), &dir);
        let with_stdin = |cmd: &mut Command| {
            let mut child = cmd
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut sink = child.stdin.take().unwrap();
            let data = input.clone();
            let writer = std::thread::spawn(move || {
                use std::io::Write;
                // The reader may be gone before everything is written.
                let _ = sink.write_all(&data);
            });
            let out = child.wait_with_output().unwrap();
            writer.join().unwrap();
            out
        };
        let ours =
            with_stdin(bin().args(["run", p.to_str().unwrap(), "--", src.to_str().unwrap(), "-"]));
        let text = String::from_utf8_lossy(&ours.stdout).into_owned();
        assert!(
            text.contains(&format!("stdin {} bytes", input.len())),
            "{text}"
        );
        if Command::new(qemu).arg("--version").output().is_ok() {
            let theirs = with_stdin(Command::new(qemu).arg(&p).arg(&src).arg("-"));
            assert_eq!(text, String::from_utf8_lossy(&theirs.stdout), "{qemu}");
        }
    }
}

#[test]
fn a_c_program_snapshot_restores_heap_and_break() {
    let dir = tmp("snap");
    let p = program("work", &dir);
    let whole = run(&["run", p.to_str().unwrap()]);
    let snap = dir.join("work.mig");
    let first = run(&[
        "run",
        p.to_str().unwrap(),
        "--save-after",
        "3000000",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = run(&["restore", snap.to_str().unwrap()]);
    let mut out = first.stdout.clone();
    out.extend_from_slice(&second.stdout);
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&whole.stdout)
    );
    assert_eq!(second.status.code(), whole.status.code());
}

#[test]
fn c_programs_live_migrate_mid_run_between_models() {
    // `grow` maps memory and moves its program break during pre-copy; `work-le` is
    // the little-endian build.
    for name in ["work", "grow", "work-le"] {
        live_migrate(name);
    }
}

fn live_migrate(name: &str) {
    let dir = tmp(&format!("live-{name}"));
    let p = program(name, &dir);
    let whole = run(&["run", p.to_str().unwrap(), "--cpu", "power8"]);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut dst = bin()
        .args(["migrate-listen", &addr, "--cpu", "power8"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(dst.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("listening"), "{line}");
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
        "1000000",
        // Switch over after the first round that fits a second: the hand-over happens
        // mid-run even on a loaded host (the guest runs on during pre-copy).
        "--downtime-limit",
        "1000",
    ]);
    let mut dout = Vec::new();
    dst.stdout.take().unwrap().read_to_end(&mut dout).unwrap();
    let mut derr = String::new();
    err.read_to_string(&mut derr).unwrap();
    let code = dst.wait().unwrap().code();
    let serr = String::from_utf8_lossy(&src.stderr);
    assert_eq!(src.status.code(), Some(0), "{name}: {serr}");
    assert_eq!(code, whole.status.code(), "{name}: {derr}");
    // Handed over mid-run (stdout is a pipe: glibc buffers it all until exit, so the
    // destination prints everything).
    assert!(
        serr.contains("stopped after") && !serr.contains("exited"),
        "handed over mid-run: {serr}"
    );
    let mut out = src.stdout.clone();
    out.extend_from_slice(&dout);
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&whole.stdout)
    );
}
