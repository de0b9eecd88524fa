//! The `cpu` sections of the real QEMU 7.2 streams: each loads into `CpuState`, saves
//! back byte-identically, and the JSON description our save records is byte-identical
//! to the one QEMU appended to the stream.

use std::io::Read;
use std::path::PathBuf;

use ppc_target::compat::context_for;
use ppc_target::models::CpuModel;
use ppc_target::state::spr;
use ppc_target::CpuState;
use vmstate::json::JsonWriter;
use vmstate::VmState;

fn data(path: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/qemu-7.2")
        .join(path);
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
    .read_to_end(&mut out)
    .unwrap();
    out
}

/// (stream, machine type, cpu instances)
const STREAMS: &[(&str, &str, u32)] = &[
    ("p10-prelaunch", "pseries-7.2", 1),
    ("p7-prelaunch", "pseries-7.2", 1),
    ("p8-prelaunch", "pseries-7.2", 1),
    ("p9-compat-p8-prelaunch", "pseries-7.2", 1),
    ("p9-prelaunch", "pseries-7.2", 1),
    ("p9-regs-vof-run", "pseries-7.2", 1),
    ("p9-slof-run", "pseries-7.2", 1),
    ("p9-smp2-prelaunch", "pseries-7.2", 2),
    ("ppc64-mac99-7400-prelaunch", "mac99", 1),
    ("ppc64-mac99-970fx-prelaunch", "mac99", 1),
    ("pseries-2.10-p9-compat-p8-prelaunch", "pseries-2.10", 1),
    ("pseries-2.7-p8-prelaunch", "pseries-2.7", 1),
    ("pseries-2.8-p8-prelaunch", "pseries-2.8", 1),
    ("pseries-2.9-p9-compat-p8-prelaunch", "pseries-2.9", 1),
    ("pseries-2.9-p9-prelaunch", "pseries-2.9", 1),
];

fn load(stream: &str, machine: &str, instance: u32) -> (CpuState, Vec<u8>) {
    let body = data(&format!("cpu/{stream}.cpu-{instance}.body.bin.gz"));
    let pvr = u32::from_be_bytes(body[2604..2608].try_into().unwrap());
    let model = CpuModel::by_pvr(pvr).unwrap_or_else(|| panic!("{stream}: PVR {pvr:#x}"));
    let mut cpu = CpuState::new(model);
    let used = cpu
        .load(&body, 5, &context_for(machine))
        .unwrap_or_else(|e| panic!("{stream}: {e}"));
    assert_eq!(used, body.len(), "{stream}: the whole body is consumed");
    (cpu, body)
}

#[test]
fn every_cpu_section_round_trips_byte_identically() {
    for &(stream, machine, n) in STREAMS {
        for i in 0..n {
            let (mut cpu, body) = load(stream, machine, i);
            let mut out = Vec::new();
            cpu.save(&mut out, &context_for(machine)).unwrap();
            assert!(out == body, "{stream} cpu {i}: re-encoding differs");
        }
    }
}

#[test]
fn our_json_description_is_qemus_byte_for_byte() {
    for &(stream, machine, _) in STREAMS {
        let (mut cpu, _) = load(stream, machine, 0);
        let mut desc = JsonWriter::new();
        cpu.save_with_desc(&mut Vec::new(), &mut desc, &context_for(machine))
            .unwrap();
        let ours = format!(
            "{{\"name\": \"cpu\", \"instance_id\": 0, {}",
            &desc.as_str()[1..]
        );
        let raw = vmstate_tools_free_trailer(&data(&format!("streams/{stream}.mig.gz")));
        assert!(
            raw.contains(&ours),
            "{stream}: our description\n{ours}\nis not in QEMU's trailer"
        );
    }
}

/// The trailer text, found the way QEMU's analyzer finds it.
fn vmstate_tools_free_trailer(stream: &[u8]) -> String {
    vmstate::stream::find_trailer(stream).unwrap().0.to_owned()
}

#[test]
fn the_regs_guest_values_arrive_in_the_live_registers() {
    let (cpu, _) = load("p9-regs-vof-run", "pseries-7.2", 0);
    assert_eq!(cpu.gpr[1], 0xa4a4010101015b5b);
    assert_eq!(cpu.gpr[31], 0xbaba1f1f1f1f4545);
    assert_eq!(cpu.cr(), 0x12345678);
    assert_eq!(
        (cpu.lr, cpu.ctr, cpu.xer),
        (0x5555666677778888, 0x1111222233334444, 0xe00c007f)
    );
    assert_eq!(cpu.fpu.fpr[1].0, 0x3FF0000000000000 + (1 << 40) + 1);
    assert_eq!(
        cpu.vsx.vsrl[2].0,
        0xC0DE000000000000 | (2 << 32) | 0xF00D0002
    );
    let vr0 = cpu.altivec.vr[0].0;
    assert_eq!(vr0, (0x3ff0200000000020u128 << 64) | 0xc0de0020f00d0020);
    assert_eq!(cpu.altivec.vscr.0, 0x00010001);
    assert_eq!(cpu.fpu.fpscr, 0x4001);
    assert_eq!(
        (cpu.slb.slb[0].esid, cpu.slb.slb[0].vsid),
        (0xc000000008000000, 0x0000000123456400)
    );
    assert_eq!(cpu.spr[spr::TAR], 0x7a7a7a7a7a7a7a70);
    assert_eq!(
        (cpu.msr, cpu.nip, cpu.reserve_addr),
        (0x8000000002802000, 0x4006f4, 0x401150)
    );
}

/// A new source writing for an older machine type produces what that machine type's
/// own QEMU wrote: the POWER9 power8-compat CPU of a pseries-7.2 stream, saved for
/// pseries-2.10 / 2.9, equals QEMU's pseries-2.10 / 2.9 streams of the same guest.
#[test]
fn saving_for_an_older_machine_type_matches_qemus_older_streams() {
    let (mut cpu, _) = load("p9-compat-p8-prelaunch", "pseries-7.2", 0);
    for (machine, stream) in [
        ("pseries-2.10", "pseries-2.10-p9-compat-p8-prelaunch"),
        ("pseries-2.9", "pseries-2.9-p9-compat-p8-prelaunch"),
    ] {
        let (_, qemus) = load(stream, machine, 0);
        let mut ours = Vec::new();
        cpu.save(&mut ours, &context_for(machine)).unwrap();
        assert_eq!(ours.len(), qemus.len(), "{machine}");
        let diffs: Vec<usize> = (0..ours.len()).filter(|&i| ours[i] != qemus[i]).collect();
        assert!(diffs.is_empty(), "{machine}: bytes differ at {diffs:?}");
    }
    // And the pseries-2.7 layout (mig_* fields) from a POWER8 stream.
    let (mut p8, _) = load("p8-prelaunch", "pseries-7.2", 0);
    let (_, qemus) = load("pseries-2.7-p8-prelaunch", "pseries-2.7", 0);
    let mut ours = Vec::new();
    p8.save(&mut ours, &context_for("pseries-2.7")).unwrap();
    assert!(ours == qemus, "pseries-2.7 layout differs");
}
