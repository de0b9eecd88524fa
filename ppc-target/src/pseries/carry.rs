//! A pseries machine's sections as a guest carries them between QEMU and ppc-vm: every
//! device section of QEMU's stream loaded into its typed device (so a guest that came
//! from QEMU goes back with the same devices, byte for byte where ppc-vm changed
//! nothing) and the hashed page table's records.
//!
//! ```
//! use ppc_target::pseries::carry::Device;
//! use ppc_target::pseries::devices::SpaprRtc;
//! use vmstate::wire::Reader;
//! use vmstate::Context;
//!
//! let cx = Context::new("pseries-7.2");
//! let body = 42i64.to_be_bytes();
//! let mut r = Reader::new(&body);
//! let dev = Device::load("spapr/rtc", 1, &mut r, &cx).unwrap().unwrap();
//! assert!(matches!(dev, Device::Rtc(SpaprRtc { ns_offset: 42 })));
//! // Not a pseries section: the caller decides.
//! assert!(Device::load("serial", 3, &mut Reader::new(&[]), &cx).is_none());
//! ```

use vmstate::stream::StreamWriter;
use vmstate::wire::Reader;
use vmstate::{Context, Result, VmState};

use super::devices::*;
use super::spapr::{Spapr, SpaprVty};
use crate::state::{CpuCommon, SpaprCpu};

/// One carried device section's state.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Device {
    Timers(Timers),
    GlobalState(GlobalState),
    Ics(Ics),
    IcpServer(IcpServer),
    XiveSource(XiveSource),
    SpaprXive(SpaprXive),
    XiveTctx(XiveTctx),
    Rtc(SpaprRtc),
    Nvram(SpaprNvram),
    Tce(SpaprTceTable),
    Phb(SpaprPhb),
    PciBus(PciBus),
    Vty(SpaprVty),
    Spapr(Box<Spapr>),
    CpuCommon(CpuCommon),
    SpaprCpu(SpaprCpu),
    /// Where the vCPU's `cpu` section goes (the CPU itself is the guest's).
    Cpu,
}

/// A section in stream order: its name, instance and state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The section's idstr (e.g. `vty@71000001/spapr_vty`).
    pub idstr: String,
    /// Its instance id.
    pub instance: u32,
    /// Its state.
    pub device: Device,
}

/// The `spapr/htab` records of a stream (START first), carried as they came.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Htab {
    /// Record kinds (`vmstate::stream::kind`) and bodies.
    pub records: Vec<(u8, Vec<u8>)>,
}

/// The event queues of QEMU 7.2's sPAPR XIVE router on a one-vCPU pseries machine: 8
/// priorities per interrupt server (the END table's length is configuration, not sent:
/// 8 with `-smp 1`, 16 with `-smp 2`).
pub const XIVE_ENDS: u32 = 8;

fn be32_at(r: &Reader<'_>, at: usize) -> u32 {
    r.peek(at, 4)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn load<T: VmState + Clone>(
    mut dev: T,
    r: &mut Reader<'_>,
    version: u32,
    cx: &Context,
) -> Result<T> {
    dev.load_from(r, version, cx)?;
    Ok(dev)
}

impl Device {
    /// Loads section `idstr`'s body from `r` into its device; `None` when `idstr` is not
    /// a pseries device section (nor `cpu`, which the caller loads). A device configured
    /// by a count (interrupts, table entries) takes it from the body, as the source's
    /// machine had it.
    pub fn load(
        idstr: &str,
        version: u32,
        r: &mut Reader<'_>,
        cx: &Context,
    ) -> Option<Result<Device>> {
        let n0 = be32_at(r, 0);
        Some(match idstr {
            "timer" => load(Timers::default(), r, version, cx).map(Device::Timers),
            "globalstate" => load(GlobalState::default(), r, version, cx).map(Device::GlobalState),
            "ics" => load(Ics::new(n0), r, version, cx).map(Device::Ics),
            "icp/server" => load(IcpServer::default(), r, version, cx).map(Device::IcpServer),
            "xive-source" => load(XiveSource::new(n0), r, version, cx).map(Device::XiveSource),
            "spapr-xive" => {
                load(SpaprXive::new(n0, XIVE_ENDS), r, version, cx).map(Device::SpaprXive)
            }
            "xive-tctx" => load(XiveTctx::default(), r, version, cx).map(Device::XiveTctx),
            "spapr/rtc" => load(SpaprRtc::default(), r, version, cx).map(Device::Rtc),
            n if n.ends_with("/spapr_nvram") => {
                load(SpaprNvram::default(), r, version, cx).map(Device::Nvram)
            }
            "spapr_iommu" => load(SpaprTceTable::new(n0), r, version, cx).map(Device::Tce),
            "spapr_pci" => {
                let buid = u64::from(n0) << 32 | u64::from(be32_at(r, 4));
                let at = if cx.compat(crate::compat::flags::PRE_2_8) {
                    8 + 36
                } else {
                    8
                };
                let lsi = [0, 1, 2, 3].map(|k| be32_at(r, at + 4 * k));
                load(SpaprPhb::new(buid, lsi), r, version, cx).map(Device::Phb)
            }
            "PCIBUS" => load(PciBus::new(n0 as i32), r, version, cx).map(Device::PciBus),
            n if n.ends_with("/spapr_vty") => {
                load(SpaprVty::new(n0, be32_at(r, 4)), r, version, cx).map(Device::Vty)
            }
            "spapr" => load(Spapr::default(), r, version, cx).map(|s| Device::Spapr(Box::new(s))),
            "cpu_common" => load(CpuCommon::default(), r, version, cx).map(Device::CpuCommon),
            "spapr_cpu" => load(SpaprCpu::default(), r, version, cx).map(Device::SpaprCpu),
            _ => return None,
        })
    }

    /// Writes the device as a whole section (nothing for [`Device::Cpu`]: the caller
    /// writes the CPU there).
    pub fn save(
        &mut self,
        w: &mut StreamWriter,
        idstr: &str,
        instance: u32,
        cx: &Context,
    ) -> Result<()> {
        match self {
            Device::Timers(d) => w.full_section(idstr, instance, d, cx),
            Device::GlobalState(d) => w.full_section(idstr, instance, d, cx),
            Device::Ics(d) => w.full_section(idstr, instance, d, cx),
            Device::IcpServer(d) => w.full_section(idstr, instance, d, cx),
            Device::XiveSource(d) => w.full_section(idstr, instance, d, cx),
            Device::SpaprXive(d) => w.full_section(idstr, instance, d, cx),
            Device::XiveTctx(d) => w.full_section(idstr, instance, d, cx),
            Device::Rtc(d) => w.full_section(idstr, instance, d, cx),
            Device::Nvram(d) => w.full_section(idstr, instance, d, cx),
            Device::Tce(d) => w.full_section(idstr, instance, d, cx),
            Device::Phb(d) => w.full_section(idstr, instance, d, cx),
            Device::PciBus(d) => w.full_section(idstr, instance, d, cx),
            Device::Vty(d) => w.full_section(idstr, instance, d, cx),
            Device::Spapr(d) => w.full_section(idstr, instance, d.as_mut(), cx),
            Device::CpuCommon(d) => w.full_section(idstr, instance, d, cx),
            Device::SpaprCpu(d) => w.full_section(idstr, instance, d, cx),
            Device::Cpu => Ok(()),
        }
    }
}
