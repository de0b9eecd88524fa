//! Streams a real `qemu-system-ppc64` loads: real pseries streams rewritten through the
//! typed CPU (every other record kept as QEMU wrote it), and a stream written from
//! scratch with an iterative `ram` section (section ids from 1). The QEMU tests are
//! skipped when qemu-system-ppc64 is missing, unless REQUIRE_QEMU is set.

mod common;

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use common::qemu::{have_qemu, tmp, Qemu};
use ppc_vm::rewrite::Rewrite;
use serde_json::json;

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
        "ppc64-mac99-7400-prelaunch",
        "ppc64-mac99-970fx-prelaunch",
        "ppc32-g3beige-prelaunch",
        "ppc32-mac99-prelaunch",
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

#[test]
fn the_recorded_regs_guest_continues_in_ppc_vm_and_goes_back_to_qemu() {
    use ppc_target::compat::MachineType;
    use ppc_target::interp::Stop;
    use ppc_target::models::CpuModel;
    use ppc_vm::migration;
    // p9-regs-vof-run: QEMU stopped the guest in its final `b .`, every register set
    // to a known value. ppc-vm continues it: the registers stay as QEMU left them.
    let data = stream("p9-regs-vof-run");
    let machine = MachineType::by_name("pseries-7.2").unwrap();
    let model = CpuModel::by_name("power9").unwrap();
    let mut g = migration::restore(&data, machine, model, None).unwrap();
    assert!(g.machine.is_some(), "a pseries guest");
    let before = g.cpu.clone();
    assert_eq!(g.run(100_000), Stop::StepLimit);
    assert_eq!(g.steps, 100_000);
    assert_eq!(g.cpu, before, "a spinning guest changes no register");
    assert_eq!(g.cpu.gpr[31], 0xbaba_1f1f_1f1f_4545);
    // Back to QEMU with every device section it came with.
    let (snap, _) = migration::snapshot(&mut g, machine).unwrap();
    let back = Rewrite::new(&snap).unwrap();
    let names: Vec<&str> = back
        .sections()
        .iter()
        .map(|s| s.header.idstr.as_str())
        .collect();
    for n in [
        "timer",
        "ics",
        "spapr-xive",
        "cpu",
        "spapr_iommu",
        "spapr",
        "globalstate",
    ] {
        assert!(names.contains(&n), "{n} carried: {names:?}");
    }
    if !have_qemu() {
        return;
    }
    let dir = tmp("regs-back");
    let file = dir.join("regs.mig");
    std::fs::write(&file, &snap).unwrap();
    let mut q = Qemu::incoming(&dir, "pseries-7.2,x-vof=on", "POWER9", &file);
    let status = q.wait_incoming();
    let regs = q.hmp("info registers");
    assert_ne!(status, "inmigrate");
    assert!(regs.contains("00000000004006f4"), "NIP: {regs}");
    assert!(
        regs.contains("baba1f1f1f1f4545") || regs.contains("baba1f1f 1f1f4545"),
        "r31: {regs}"
    );
    q.cmd("cont", json!({}));
    std::thread::sleep(Duration::from_millis(300));
    let st = q.cmd("query-status", json!({}));
    assert_eq!(st["status"], "running", "{st}");
    let err = q.quit();
    assert!(!err.contains("error"), "{err}");
}
