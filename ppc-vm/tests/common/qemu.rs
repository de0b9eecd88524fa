//! A real `qemu-system-ppc64` driven over QMP, for the tests that put QEMU on the other
//! end. They skip when QEMU is missing, unless REQUIRE_QEMU is set.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Whether qemu-system-ppc64 can run here (a panic when REQUIRE_QEMU is set and it
/// cannot).
pub fn have_qemu() -> bool {
    let ok = Command::new("qemu-system-ppc64")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var_os("REQUIRE_QEMU").is_some() {
        panic!("qemu-system-ppc64 is required (REQUIRE_QEMU is set) but missing");
    }
    if !ok {
        eprintln!("qemu-system-ppc64 not installed: skipped");
    }
    ok
}

/// A scratch directory for one test.
pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ppc-vm-qemu-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The committed bare-metal pseries guest.
pub fn pseries_guest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/pseries-guest/guest.elf")
}

/// A running `qemu-system-ppc64` with a QMP socket (and, with [`Qemu::console`], a
/// spapr-vty console written to a file).
pub struct Qemu {
    child: Child,
    qmp: BufReader<UnixStream>,
    console: Option<PathBuf>,
}

impl Qemu {
    /// Starts QEMU with `-m 256 -nographic -nodefaults`, `args` and a QMP socket in
    /// `dir`; `console`: a spapr-vty whose output goes to `dir/console.txt`.
    pub fn start(dir: &Path, args: &[&str], console: bool) -> Qemu {
        let sock = dir.join("qmp.sock");
        let _ = std::fs::remove_file(&sock);
        let mut cmd = Command::new("qemu-system-ppc64");
        cmd.args(["-m", "256", "-nographic", "-nodefaults"])
            .args(args);
        let con = console.then(|| dir.join("console.txt"));
        if let Some(c) = &con {
            let _ = std::fs::remove_file(c);
            cmd.arg("-chardev")
                .arg(format!("file,id=con,path={}", c.display()))
                .args(["-device", "spapr-vty,chardev=con"]);
        }
        let mut child = cmd
            .arg("-qmp")
            .arg(format!("unix:{},server=on,wait=off", sock.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let conn = loop {
            if let Some(st) = child.try_wait().unwrap() {
                let mut err = String::new();
                let _ = child.stderr.take().unwrap().read_to_string(&mut err);
                panic!("qemu-system-ppc64 exited ({st}): {err}");
            }
            match UnixStream::connect(&sock) {
                Ok(c) => break c,
                Err(_) if start.elapsed() < Duration::from_secs(30) => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(e) => panic!("QMP: {e}"),
            }
        };
        conn.set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut q = Qemu {
            child,
            qmp: BufReader::new(conn),
            console: con,
        };
        q.read_reply(); // greeting
        q.cmd("qmp_capabilities", json!({}));
        q
    }

    /// Starts QEMU taking an incoming stream from a file, paused (`-S`).
    pub fn incoming(dir: &Path, machine: &str, cpu: &str, file: &Path) -> Qemu {
        let from = format!("exec:cat {}", file.display());
        Qemu::start(
            dir,
            &["-M", machine, "-cpu", cpu, "-S", "-incoming", &from],
            false,
        )
    }

    fn read_reply(&mut self) -> Value {
        loop {
            let mut line = String::new();
            assert!(self.qmp.read_line(&mut line).unwrap() > 0, "QMP closed");
            let v: Value = serde_json::from_str(&line).unwrap();
            if v.get("event").is_none() {
                return v;
            }
        }
    }

    /// Runs a QMP command; its reply (an `error` reply panics).
    pub fn cmd(&mut self, name: &str, args: Value) -> Value {
        let v = self.try_cmd(name, args);
        assert!(v.get("error").is_none(), "{name}: {v}");
        v["return"].clone()
    }

    /// Runs a QMP command; the whole reply.
    pub fn try_cmd(&mut self, name: &str, args: Value) -> Value {
        let msg = json!({"execute": name, "arguments": args}).to_string() + "\n";
        self.qmp.get_mut().write_all(msg.as_bytes()).unwrap();
        self.read_reply()
    }

    /// A human monitor command's output.
    pub fn hmp(&mut self, line: &str) -> String {
        self.cmd("human-monitor-command", json!({"command-line": line}))
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits until the incoming migration ended; returns the run state.
    pub fn wait_incoming(&mut self) -> String {
        let start = Instant::now();
        loop {
            let st = self.cmd("query-status", json!({}))["status"]
                .as_str()
                .unwrap()
                .to_owned();
            if st != "inmigrate" || start.elapsed() > Duration::from_secs(60) {
                return st;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The console so far.
    pub fn console(&self) -> Vec<u8> {
        self.console
            .as_ref()
            .and_then(|c| std::fs::read(c).ok())
            .unwrap_or_default()
    }

    /// Waits (at most `limit`) for QEMU to exit by itself; its status and stderr.
    pub fn wait_exit(mut self, limit: Duration) -> (ExitStatus, String) {
        let start = Instant::now();
        let st = loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                break st;
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!("qemu-system-ppc64 still running after {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        let _ = self.child.stderr.take().unwrap().read_to_string(&mut err);
        (st, err)
    }

    /// Quits QEMU; its stderr.
    pub fn quit(mut self) -> String {
        let msg = json!({"execute": "quit"}).to_string() + "\n";
        let _ = self.qmp.get_mut().write_all(msg.as_bytes());
        let _ = self.child.wait();
        let mut err = String::new();
        let _ = self.child.stderr.take().unwrap().read_to_string(&mut err);
        err
    }
}

impl Drop for Qemu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
