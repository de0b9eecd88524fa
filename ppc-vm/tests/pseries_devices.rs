//! The pseries devices of `ppc_target::pseries::devices` against real QEMU 7.2 streams:
//! every section they cover loads and saves back byte-identically, with the JSON
//! description entry QEMU wrote (the whole stream, rewritten through the typed
//! devices, equals QEMU's), and their `-dump-vmstate` entries equal QEMU's.

mod common;

use ppc_target::pseries::devices::*;
use ppc_target::pseries::spapr::{Spapr, SpaprVty};
use ppc_target::{CpuCommon, SpaprCpu};
use ppc_vm::rewrite::Rewrite;
use serde_json::Value;
use vmstate::VmState;

use common::{assert_same_stream, gunzip};

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

fn swap<T: VmState + Clone>(s: &mut Rewrite<'_>, idstr: &str, inst: u32, mut dev: T) {
    s.load(idstr, inst, &mut dev)
        .unwrap_or_else(|e| panic!("{idstr} {inst}: {e}"));
    s.replace(idstr, inst, &mut dev)
        .unwrap_or_else(|e| panic!("{idstr} {inst}: {e}"));
}

/// Replaces every section a typed device covers; returns the ones left.
fn rewrite_all(s: &mut Rewrite<'_>, data: &[u8]) -> Vec<String> {
    let pre_2_8 = s.machine() == "pseries-2.7";
    let mut left = Vec::new();
    for sec in s.sections().to_vec() {
        let (name, i) = (sec.header.idstr.as_str(), sec.header.instance_id);
        let body = &data[sec.body.clone()];
        match name {
            "timer" => swap(s, name, i, Timers::default()),
            "globalstate" => swap(s, name, i, GlobalState::default()),
            "ics" => swap(s, name, i, Ics::new(be32(body, 0))),
            "icp/server" => swap(s, name, i, IcpServer::default()),
            "xive-source" => swap(s, name, i, XiveSource::new(be32(body, 0))),
            "spapr-xive" => {
                let n = be32(body, 0);
                let ends = (body.len() - 4 - 8 * n as usize) / 32;
                swap(s, name, i, SpaprXive::new(n, ends as u32))
            }
            "xive-tctx" => swap(s, name, i, XiveTctx::default()),
            "spapr/rtc" => swap(s, name, i, SpaprRtc::default()),
            n if n.ends_with("/spapr_nvram") => swap(s, name, i, SpaprNvram::default()),
            "spapr_iommu" => swap(s, name, i, SpaprTceTable::new(be32(body, 0))),
            "spapr_pci" => {
                let buid = u64::from_be_bytes(body[..8].try_into().unwrap());
                let at = if pre_2_8 { 8 + 36 } else { 8 };
                let lsi = [0, 1, 2, 3].map(|k| be32(body, at + 4 * k));
                swap(s, name, i, SpaprPhb::new(buid, lsi))
            }
            "PCIBUS" => swap(s, name, i, PciBus::new(be32(body, 0) as i32)),
            "spapr" => swap(s, name, i, Spapr::default()),
            n if n.ends_with("/spapr_vty") => {
                swap(s, name, i, SpaprVty::new(be32(body, 0), be32(body, 4)))
            }
            "cpu_common" => swap(s, name, i, CpuCommon::default()),
            "spapr_cpu" => swap(s, name, i, SpaprCpu::default()),
            "cpu" => {
                let mut cpu = s.cpu(i).unwrap();
                s.replace(name, i, &mut cpu).unwrap();
            }
            other => left.push(other.to_owned()),
        }
    }
    left
}

#[test]
fn real_pseries_streams_rewritten_through_the_devices_are_byte_identical() {
    for name in [
        "p9-regs-vof-run",
        "p9-slof-run",
        "p9-prelaunch",
        "p9-compat-p8-prelaunch",
        "p9-smp2-prelaunch",
        "p10-prelaunch",
        "p8-prelaunch",
        "p7-prelaunch",
        "pseries-2.7-p8-prelaunch",
        "pseries-2.8-p8-prelaunch",
        "pseries-2.9-p9-prelaunch",
        "pseries-2.9-p9-compat-p8-prelaunch",
        "pseries-2.10-p9-compat-p8-prelaunch",
    ] {
        let data = gunzip(&format!("qemu-7.2/streams/{name}.mig.gz"));
        let mut s = Rewrite::new(&data).unwrap();
        let left = rewrite_all(&mut s, &data);
        assert!(left.is_empty(), "{name}: not covered: {left:?}");
        assert_same_stream(name, &s.finish(), &data);
    }
}

/// A `-dump-vmstate` description without the keys QEMU 7.2 does not write: `type` (our
/// extension) and `num` (newer QEMUs' array length).
fn untyped(mut v: Value) -> Value {
    match &mut v {
        Value::Object(m) => {
            m.remove("type");
            m.remove("num");
            for x in m.values_mut() {
                *x = untyped(x.take());
            }
        }
        Value::Array(a) => {
            for x in a.iter_mut() {
                *x = untyped(x.take());
            }
        }
        _ => {}
    }
    v
}

#[test]
fn dump_vmstate_entries_equal_qemus() {
    let dump: Value =
        serde_json::from_slice(&gunzip("qemu-7.2/schema/vmstate-pseries-7.2.json.gz")).unwrap();
    let ours = [
        ("ics", vmstate::dump_json(Ics::DESCRIPTION)),
        ("xive-source", vmstate::dump_json(XiveSource::DESCRIPTION)),
        ("spapr-xive", vmstate::dump_json(SpaprXive::DESCRIPTION)),
        ("xive-tctx", vmstate::dump_json(XiveTctx::DESCRIPTION)),
        ("spapr-rtc", vmstate::dump_json(SpaprRtc::DESCRIPTION)),
        ("spapr-nvram", vmstate::dump_json(SpaprNvram::DESCRIPTION)),
        (
            "spapr-pci-host-bridge",
            vmstate::dump_json(SpaprPhb::DESCRIPTION),
        ),
    ];
    for (qdev, json) in ours {
        let mine = untyped(serde_json::from_str(&json).unwrap());
        let theirs = &dump[qdev]["Description"];
        assert_eq!(&mine, theirs, "{qdev}");
    }
}
