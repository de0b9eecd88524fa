//! The acceptance decision table (spec §4) against 6,428 real incoming migrations made
//! with qemu-system-ppc64 7.2 (tests/data/qemu-7.2/acceptance/results.tsv.gz): for each,
//! the source CPU is saved by our code with the source machine type, the stream is
//! patched the way the experiment patched it, and loaded into our destination CPU.

use std::collections::HashMap;
use std::io::Read;

use ppc_target::compat::{flags, CompatMode, MachineType};
use ppc_target::models::CpuModel;
use ppc_target::state::spr;
use ppc_target::CpuState;
use vmstate::{Context, ErrorKind, VmState};

fn rows() -> Vec<HashMap<String, String>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/qemu-7.2/acceptance/results.tsv.gz"
    );
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split('\t'))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn hex(s: &str) -> u64 {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap()
}

/// The context of a `-M` value, with the `-global` CPU property overrides of `extra`.
fn context(machine_opts: &str, extra: &str) -> (String, Context) {
    let machine = machine_opts.split(',').next().unwrap().to_owned();
    let m = MachineType::by_name(&machine).unwrap();
    let pre_2_10 = match extra {
        e if e.contains("pre-2.10-migration=on") => true,
        e if e.contains("pre-2.10-migration=off") => false,
        _ => m.compat.contains(&flags::PRE_2_10),
    };
    let cx = Context::new(machine.clone())
        .with_compat_flags(m.compat.iter().copied().filter(|f| *f != flags::PRE_2_10))
        .with_compat_flags(pre_2_10.then_some(flags::PRE_2_10));
    (machine, cx)
}

/// The subsections of a cpu body and their offsets (`mig_slb_nr`: whether `cpu/slb`
/// starts with the pre-3.0 SLB count).
fn subsections(body: &[u8], mig_slb_nr: bool) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut i = 8528;
    while i + 2 < body.len() && body[i] == 0x05 {
        let len = body[i + 1] as usize;
        let name = String::from_utf8_lossy(&body[i + 2..i + 2 + len]).into_owned();
        let payload = match name.as_str() {
            "cpu/fpu" => 264,
            "cpu/altivec" => 516,
            "cpu/vsx" => 256,
            "cpu/slb" if mig_slb_nr => 1028,
            "cpu/slb" => 1024,
            "cpu/compat" => 4,
            "cpu/sr" => 256,
            _ => panic!("unexpected subsection {name}"),
        };
        out.push((name, i));
        i += 2 + len + 4 + payload;
    }
    assert_eq!(i, body.len(), "subsections end at the body's end");
    out
}

#[test]
fn decision_table_matches_qemu_7_2() {
    let rows = rows();
    assert_eq!(rows.len(), 6428);
    let (mut agree, mut not_cpu) = (0, 0);
    for (n, row) in rows.iter().enumerate() {
        let ctx = format!(
            "row {} ({} {} -> {} {} {})",
            n + 2,
            row["src_machine"],
            row["src_cpu"],
            row["dst_machine"],
            row["dst_cpu"],
            row["src_extra"]
        );
        let (src_machine, src_cx) = context(&row["src_machine"], &row["src_extra"]);
        let (dst_machine, dst_cx) = context(&row["dst_machine"], &row["dst_extra"]);
        let patch = row["src_extra"].strip_prefix("patch:").unwrap_or("");

        // The source: its model, PVR slot, PCR and compat mode as the stream shows them.
        let mut src = CpuState::new(CpuModel::by_name(&row["src_cpu"]).unwrap());
        src.spr[spr::PVR] = hex(&row["stream_pvr"]);
        src.spr[spr::PCR] = hex(&row["stream_pcr"]);
        let src_mode = (!row["src_compat"].is_empty())
            .then(|| CompatMode::by_name(&row["src_compat"]).unwrap().pvr);
        src.compat.compat_pvr = match &row["stream_compat_pvr"] {
            s if s.is_empty() => src_mode.unwrap_or(0),
            _ if patch.starts_with("compat_pvr=") => src_mode.unwrap_or(0x0f000004),
            s => hex(s) as u32,
        };
        if row["src_extra"].contains("cas.elf")
            && row["stream_compat_pvr"].is_empty()
            && src_mode.is_none()
        {
            // The guest negotiated a mode by CAS; pre-2.10 machines do not send it.
            src.compat.compat_pvr = 0x0f000004;
        }
        let mut body = Vec::new();
        src.save(&mut body, &src_cx).unwrap();

        // Our save emits exactly the subsections QEMU's did.
        let subs = subsections(&body, src_cx.compat(flags::PRE_3_0));
        let names: Vec<&str> = subs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names.join(","),
            row["stream_subsections"],
            "{ctx}: subsections"
        );

        // Apply the experiment's patch to the bytes.
        if let Some(v) = patch.strip_prefix("compat_pvr=") {
            let at = body.len() - 4;
            body[at..].copy_from_slice(&(hex(v) as u32).to_be_bytes());
        } else if let Some((sub, what)) = patch.split_once(':') {
            let (_, at) = subs.iter().find(|(n, _)| n == sub).unwrap().clone();
            match what.split_once('=').unwrap() {
                ("version", v) => {
                    let vat = at + 2 + sub.len();
                    body[vat..vat + 4].copy_from_slice(&(hex(v) as u32).to_be_bytes());
                }
                ("name", v) => body[at + 2..at + 2 + v.len()].copy_from_slice(v.as_bytes()),
                other => panic!("{ctx}: unknown patch {other:?}"),
            }
        }

        // The destination after its machine reset with its own max-cpu-compat.
        let mut dst = CpuState::new(CpuModel::by_name(&row["dst_cpu"]).unwrap());
        let dst_mode = (!row["dst_compat"].is_empty())
            .then(|| CompatMode::by_name(&row["dst_compat"]).unwrap().pvr);
        dst.reset_compat(dst_mode).unwrap();
        let machine_check = vmstate::stream::check_machine(&src_machine, &dst_machine);
        let ours = machine_check
            .clone_err()
            .and_then(|_| dst.load(&body, 5, &dst_cx).map(|_| ()));

        let stderr = &row["stderr"];
        let cpu_refusal = stderr.contains("device 'cpu'") || stderr.contains("PVR");
        if row["result"] == "refused" && !cpu_refusal {
            not_cpu += 1;
            if stderr.contains("Machine type received") {
                let e = ours.expect_err(&ctx);
                assert!(
                    stderr.contains(&e.to_string().replace("configuration: ", "")),
                    "{ctx}: {e}"
                );
            } else {
                // Refused by a device we do not model (XIVE, spapr caps): the cpu section
                // alone decides as QEMU's cpu section would have.
                assert!(
                    stderr.contains("xive-source") || stderr.contains("cap-htm"),
                    "{ctx}: {stderr}"
                );
                assert_eq!(
                    ours.is_ok(),
                    row["spec_model"] == "accepted",
                    "{ctx}: {:?}",
                    ours.err()
                );
            }
            continue;
        }
        match (row["result"].as_str(), &ours) {
            ("accepted", Ok(())) => {
                let after_compat = if row["after_compat_pvr"].is_empty() {
                    0
                } else {
                    hex(&row["after_compat_pvr"]) as u32
                };
                // A pre-2.10 destination's own stream (where the oracle read the state after
                // the load) has no cpu/compat, so its compat_pvr is not observable there.
                if !dst_cx.compat(flags::PRE_2_10) {
                    assert_eq!(
                        dst.compat.compat_pvr, after_compat,
                        "{ctx}: compat_pvr after load"
                    );
                }
                assert_eq!(
                    dst.spr[spr::PCR],
                    hex(&row["after_pcr"]),
                    "{ctx}: PCR after load"
                );
                assert_eq!(
                    dst.spr[spr::PVR] as u32,
                    hex(&row["after_pvr"]) as u32,
                    "{ctx}: PVR slot after load"
                );
            }
            ("refused", Err(e)) => {
                let ok = match e.kind() {
                    ErrorKind::Hook { source, .. } => {
                        let msg = source.to_string();
                        if stderr.contains("compatibility PVR")
                            || stderr.contains("Compatibility PVR")
                        {
                            let qemu = stderr
                                .split(" / ")
                                .next()
                                .unwrap()
                                .trim_start_matches("qemu-system-ppc64: ");
                            msg.starts_with(qemu)
                        } else {
                            msg.starts_with("source CPU PVR")
                        }
                    }
                    ErrorKind::UnknownSubsection(name) => {
                        stderr.contains("No such file or directory") && name == "cpu/compaX"
                    }
                    ErrorKind::VersionTooNew { found: 2, max: 1 } => {
                        stderr.contains(&format!("{}: incoming version_id 2 is too new", e.path()))
                    }
                    _ => false,
                };
                assert!(ok, "{ctx}: QEMU said {stderr:?}, we said {e}");
            }
            (want, got) => panic!(
                "{ctx}: QEMU {want}, we {:?}",
                got.as_ref().map_err(|e| e.to_string())
            ),
        }
        agree += 1;
    }
    assert_eq!(agree + not_cpu, 6428);
    eprintln!("{agree} cpu-section decisions agree with QEMU 7.2; {not_cpu} refused by other sections checked");
}

trait CloneErr {
    fn clone_err(&self) -> Result<(), vmstate::Error>;
}

impl CloneErr for Result<(), vmstate::Error> {
    fn clone_err(&self) -> Result<(), vmstate::Error> {
        match self {
            Ok(()) => Ok(()),
            Err(e) => Err(
                vmstate::Error::invalid(e.to_string().replace("configuration: ", ""))
                    .in_description("configuration"),
            ),
        }
    }
}
