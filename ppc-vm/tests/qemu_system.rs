//! Streams a real `qemu-system-ppc64` loads: real pseries streams rewritten through the
//! typed CPU (every other record kept as QEMU wrote it), and a stream written from
//! scratch with an iterative `ram` section (section ids from 1). The QEMU tests are
//! skipped when qemu-system-ppc64 is missing, unless REQUIRE_QEMU is set.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ppc_vm::rewrite::Rewrite;
use serde_json::{json, Value};

fn stream(name: &str) -> Vec<u8> {
    let gz = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../tests/data/qemu-7.2/streams/{name}.mig.gz"));
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(gz).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn an_unchanged_rewrite_is_byte_identical() {
    for name in [
        "p9-regs-vof-run",
        "p9-slof-run",
        "p9-compat-p8-prelaunch",
        "p10-prelaunch",
        "p8-prelaunch",
        "p7-prelaunch",
        "p9-smp2-prelaunch",
        "pseries-2.7-p8-prelaunch",
        "pseries-2.9-p9-compat-p8-prelaunch",
    ] {
        let data = stream(name);
        let mut s = Rewrite::new(&data).unwrap();
        let cpus: Vec<u32> = s
            .sections()
            .iter()
            .filter(|x| x.header.idstr == "cpu")
            .map(|x| x.header.instance_id)
            .collect();
        assert!(!cpus.is_empty(), "{name}");
        for i in cpus {
            let mut cpu = s.cpu(i).unwrap();
            s.replace("cpu", i, &mut cpu).unwrap();
        }
        assert!(
            s.finish() == data,
            "{name}: re-encoded through CpuState, byte-identical"
        );
    }
}

#[test]
fn a_changed_cpu_changes_only_its_record() {
    let data = stream("p9-regs-vof-run");
    let mut s = Rewrite::new(&data).unwrap();
    let mut cpu = s.cpu(0).unwrap();
    cpu.gpr[10] = 0x1234_5678_9abc_def0;
    s.replace("cpu", 0, &mut cpu).unwrap();
    let out = s.finish();
    assert_eq!(out.len(), data.len());
    let diff: Vec<usize> = (0..out.len()).filter(|&i| out[i] != data[i]).collect();
    assert!(!diff.is_empty() && diff.len() <= 8, "{diff:?}");
    let again = Rewrite::new(&out).unwrap();
    assert_eq!(again.cpu(0).unwrap().gpr[10], 0x1234_5678_9abc_def0);
}

fn have_qemu() -> bool {
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

/// A `qemu-system-ppc64` taking an incoming stream from a file, driven over QMP.
struct Qemu {
    child: Child,
    qmp: BufReader<UnixStream>,
}

impl Qemu {
    fn incoming(dir: &Path, machine: &str, cpu: &str, file: &Path) -> Qemu {
        let sock = dir.join("qmp.sock");
        let child = Command::new("qemu-system-ppc64")
            .args([
                "-M",
                machine,
                "-cpu",
                cpu,
                "-m",
                "256",
                "-nographic",
                "-nodefaults",
                "-S",
            ])
            .arg("-incoming")
            .arg(format!("exec:cat {}", file.display()))
            .arg("-qmp")
            .arg(format!("unix:{},server=on,wait=off", sock.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut child = child;
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
                    std::thread::sleep(Duration::from_millis(50))
                }
                Err(e) => panic!("QMP: {e}"),
            }
        };
        conn.set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut q = Qemu {
            child,
            qmp: BufReader::new(conn),
        };
        q.read_reply(); // greeting
        q.cmd("qmp_capabilities", json!({}));
        q
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

    fn cmd(&mut self, name: &str, args: Value) -> Value {
        let msg = json!({"execute": name, "arguments": args}).to_string() + "\n";
        self.qmp.get_mut().write_all(msg.as_bytes()).unwrap();
        let v = self.read_reply();
        assert!(v.get("error").is_none(), "{name}: {v}");
        v["return"].clone()
    }

    fn hmp(&mut self, line: &str) -> String {
        self.cmd("human-monitor-command", json!({"command-line": line}))
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits until the incoming migration ended; returns its status.
    fn wait_incoming(&mut self) -> String {
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

    fn quit(mut self) -> String {
        let msg = json!({"execute": "quit"}).to_string() + "\n";
        let _ = self.qmp.get_mut().write_all(msg.as_bytes());
        let _ = self.child.wait();
        let mut err = String::new();
        let _ = self.child.stderr.take().unwrap().read_to_string(&mut err);
        err
    }
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ppc-vm-qemu-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn qemu_loads_a_rewritten_cpu_and_runs_on() {
    if !have_qemu() {
        return;
    }
    let dir = tmp("rewrite");
    let data = stream("p9-regs-vof-run");
    let mut s = Rewrite::new(&data).unwrap();
    let mut cpu = s.cpu(0).unwrap();
    cpu.gpr[10] = 0x1234_5678_9abc_def0;
    s.replace("cpu", 0, &mut cpu).unwrap();
    let file = dir.join("rewritten.mig");
    std::fs::write(&file, s.finish()).unwrap();
    let mut q = Qemu::incoming(&dir, "pseries-7.2,x-vof=on", "POWER9", &file);
    let status = q.wait_incoming();
    let regs = q.hmp("info registers");
    assert_ne!(status, "inmigrate");
    assert!(
        regs.contains("12345678 9abcdef0") || regs.contains("123456789abcdef0"),
        "{regs}"
    );
    assert!(
        regs.contains("00000000004006f4"),
        "NIP as QEMU left it: {regs}"
    );
    q.cmd("cont", json!({}));
    std::thread::sleep(Duration::from_millis(300));
    let st = q.cmd("query-status", json!({}));
    assert_eq!(st["status"], "running", "{st}");
    let err = q.quit();
    assert!(!err.contains("error while loading state"), "{err}");
}

#[test]
fn qemu_loads_a_stream_written_from_scratch_with_ram_in_rounds() {
    use ppc_target::{CpuCommon, SpaprCpu};
    use vmstate::ram::{self, RamBlock};
    use vmstate::stream::{kind, StreamWriter};
    if !have_qemu() {
        return;
    }
    let dir = tmp("scratch");
    // The CPU of a real run, everything else written here: RAM as a START, a PART and
    // an END of the iterative `ram` section, which QEMU matches by section id.
    let data = stream("p9-regs-vof-run");
    let real = Rewrite::new(&data).unwrap();
    let mut cpu = real.cpu(0).unwrap();
    cpu.gpr[10] = 0x0bad_cafe_0000_0001;
    let cx = vmstate::Context::new("pseries-7.2");
    let blocks = [RamBlock {
        name: "ppc_spapr.ram".into(),
        used_length: 256 << 20,
    }];
    let mut w = StreamWriter::new("pseries-7.2", 4096);
    w.iterative(kind::START, "ram", 0, 4, |w| {
        ram::write_mem_size(w, &blocks)?;
        ram::write_page(
            w,
            "ppc_spapr.ram",
            0x40_0000,
            &[0x48u8, 0, 0, 0].repeat(1024),
            false,
        )?;
        ram::write_eos(w);
        Ok(())
    })
    .unwrap();
    for t in [kind::PART, kind::END] {
        w.iterative(t, "ram", 0, 4, |w| {
            ram::write_zero(w, "ppc_spapr.ram", 0x10_0000, false)?;
            ram::write_eos(w);
            Ok(())
        })
        .unwrap();
    }
    w.full_section("cpu_common", 0, &mut CpuCommon::default(), &cx)
        .unwrap();
    w.full_section("cpu", 0, &mut cpu, &cx).unwrap();
    w.full_section("spapr_cpu", 0, &mut SpaprCpu::default(), &cx)
        .unwrap();
    let file = dir.join("scratch.mig");
    std::fs::write(&file, w.finish()).unwrap();
    let mut q = Qemu::incoming(&dir, "pseries-7.2,x-vof=on", "POWER9", &file);
    let status = q.wait_incoming();
    let regs = q.hmp("info registers");
    let err = q.quit();
    assert_ne!(status, "inmigrate", "{err}");
    assert!(!err.contains("error"), "{err}");
    assert!(
        regs.contains("0badcafe 00000001") || regs.contains("0badcafe00000001"),
        "{regs}\n{err}"
    );
}
