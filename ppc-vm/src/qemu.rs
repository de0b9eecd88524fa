//! A `qemu-system-ppc64` child process driven over QMP, for `ppc-vm demo`'s QEMU
//! crossing: a pseries machine like `ppc-vm boot`'s (`-m 256 -nographic -nodefaults`, a
//! spapr-vty console written to a file).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Whether `qemu-system-ppc64` runs here.
pub fn available() -> bool {
    Command::new("qemu-system-ppc64")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A running QEMU with its QMP connection and console file.
pub struct Qemu {
    child: Child,
    qmp: BufReader<UnixStream>,
    console: PathBuf,
}

impl Qemu {
    /// Starts `qemu-system-ppc64 -m 256 -nographic -nodefaults ARGS` with a spapr-vty
    /// console in `dir/console.txt` and QMP on `dir/qmp.sock`; waits for QMP.
    pub fn start(dir: &Path, args: &[&str]) -> Result<Qemu, String> {
        let sock = dir.join("qmp.sock");
        let console = dir.join("console.txt");
        let _ = std::fs::remove_file(&sock);
        let _ = std::fs::remove_file(&console);
        let mut child = Command::new("qemu-system-ppc64")
            .args(["-m", "256", "-nographic", "-nodefaults"])
            .args(args)
            .arg("-chardev")
            .arg(format!("file,id=con,path={}", console.display()))
            .args(["-device", "spapr-vty,chardev=con"])
            .arg("-qmp")
            .arg(format!("unix:{},server=on,wait=off", sock.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("qemu-system-ppc64: {e}"))?;
        let start = Instant::now();
        let conn = loop {
            if let Ok(Some(st)) = child.try_wait() {
                return Err(format!("qemu-system-ppc64 exited at start ({st})"));
            }
            match UnixStream::connect(&sock) {
                Ok(c) => break c,
                Err(_) if start.elapsed() < Duration::from_secs(30) => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(e) => return Err(format!("QEMU's QMP socket: {e}")),
            }
        };
        conn.set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|e| e.to_string())?;
        let mut q = Qemu {
            child,
            qmp: BufReader::new(conn),
            console,
        };
        q.reply()?;
        q.cmd("qmp_capabilities", json!({}))?;
        Ok(q)
    }

    fn reply(&mut self) -> Result<Value, String> {
        loop {
            let mut line = String::new();
            match self.qmp.read_line(&mut line) {
                Ok(0) => return Err("QEMU closed QMP".into()),
                Ok(_) => {}
                Err(e) => return Err(format!("QMP: {e}")),
            }
            let v: Value = serde_json::from_str(&line).map_err(|e| format!("QMP: {e}"))?;
            if v.get("event").is_none() {
                return Ok(v);
            }
        }
    }

    /// Runs a QMP command; its `return` (an error reply is an error).
    pub fn cmd(&mut self, name: &str, args: Value) -> Result<Value, String> {
        let msg = json!({"execute": name, "arguments": args}).to_string() + "\n";
        self.qmp
            .get_mut()
            .write_all(msg.as_bytes())
            .map_err(|e| format!("QMP: {e}"))?;
        let v = self.reply()?;
        match v.get("error") {
            Some(e) => Err(format!("{name}: {e}")),
            None => Ok(v["return"].clone()),
        }
    }

    /// The console output so far.
    pub fn console(&self) -> Vec<u8> {
        std::fs::read(&self.console).unwrap_or_default()
    }

    /// Waits up to `limit` for `lines` lines on the console.
    pub fn wait_console(&self, lines: usize, limit: Duration) -> Result<(), String> {
        let start = Instant::now();
        while self.console().iter().filter(|&&b| b == b'\n').count() < lines {
            if start.elapsed() > limit {
                return Err(format!(
                    "the guest printed fewer than {lines} lines in {limit:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(())
    }

    /// Waits up to `limit` for QEMU's outgoing migration to end; its final status.
    pub fn wait_migrated(&mut self, limit: Duration) -> Result<String, String> {
        let start = Instant::now();
        loop {
            let st = self.cmd("query-migrate", json!({}))?["status"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            if !matches!(st.as_str(), "" | "setup" | "active" | "device") {
                return Ok(st);
            }
            if start.elapsed() > limit {
                return Err(format!("QEMU's migration still {st} after {limit:?}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits up to `limit` for QEMU to exit by itself (the guest powered off); whether
    /// it exited with status 0.
    pub fn wait_exit(&mut self, limit: Duration) -> Result<bool, String> {
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Ok(st.success());
            }
            if start.elapsed() > limit {
                return Err(format!("QEMU still running after {limit:?}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Qemu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
