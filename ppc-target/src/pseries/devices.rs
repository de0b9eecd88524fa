//! The device sections of a pseries machine (QEMU 7.2), written with the derive as a
//! device author would: section name, version, fields in wire order, `equal` checks of
//! the configuration, variable arrays and buffers sized by other fields, and
//! subsections with their `needed` rules.
//!
//! | section | type | QEMU |
//! |---|---|---|
//! | `timer` | [`Timers`] | `vmstate_timers` (`softmmu/cpu-timers.c`) |
//! | `globalstate` | [`GlobalState`] | `vmstate_globalstate` |
//! | `ics` | [`Ics`] | `vmstate_ics` (XICS source) |
//! | `icp/server` | [`IcpServer`] | `vmstate_icp_server` |
//! | `xive-source` | [`XiveSource`] | `vmstate_xive_source` |
//! | `spapr-xive` | [`SpaprXive`] | `vmstate_spapr_xive` |
//! | `xive-tctx` | [`XiveTctx`] | `vmstate_xive_tctx` |
//! | `spapr/rtc` | [`SpaprRtc`] | `vmstate_spapr_rtc` |
//! | `spapr_nvram` | [`SpaprNvram`] | `vmstate_spapr_nvram` |
//! | `spapr_iommu` | [`SpaprTceTable`] | `vmstate_spapr_tce_table` |
//! | `spapr_pci` | [`SpaprPhb`] | `vmstate_spapr_pci` |
//! | `PCIBUS` | [`PciBus`] | `vmstate_pcibus` |
//!
//! ```
//! use ppc_target::pseries::devices::Ics;
//! use vmstate::{Context, VmState};
//!
//! let cx = Context::new("pseries-7.2");
//! let mut ics = Ics::new(4);
//! ics.irqs[2].priority = 5;
//! let mut body = Vec::new();
//! ics.save(&mut body, &cx).unwrap();
//! assert_eq!(body.len(), 4 + 4 * 8);
//!
//! // A destination configured with another number of interrupts refuses it.
//! let err = Ics::new(8).load(&body, 1, &cx).unwrap_err();
//! assert!(err.to_string().contains("nr_irqs"), "{err}");
//! let mut back = Ics::new(4);
//! back.load(&body, 1, &cx).unwrap();
//! assert_eq!(back, ics);
//! ```

use vmstate::{Context, VmState};

use crate::compat::flags;

/// `timer`: the virtual clock's offsets (QEMU's `TimersState`; the `-icount`
/// subsections are not modelled: such a stream is refused by name).
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "timer", version = 2, minimum_version = 1)]
pub struct Timers {
    /// Offset of the guest's tick counter.
    pub cpu_ticks_offset: i64,
    /// Eight bytes once holding a field QEMU removed (`VMSTATE_UNUSED(8)`).
    #[vmstate(unused = 8)]
    pub removed: (),
    /// Offset of the virtual clock.
    #[vmstate(since = 2)]
    pub cpu_clock_offset: i64,
}

/// `globalstate`: the run state the source was in (a NUL-terminated name).
#[derive(Clone, Debug, PartialEq, Eq, VmState)]
#[vmstate(name = "globalstate", version = 1, minimum_version = 1)]
pub struct GlobalState {
    /// Length of the name, NUL included.
    pub size: u32,
    /// The run state's name (`running`, `paused`, ...).
    #[vmstate(buffer)]
    pub runstate: [u8; 100],
}

impl Default for GlobalState {
    fn default() -> Self {
        GlobalState::new("running")
    }
}

impl GlobalState {
    /// The state for run state `name`.
    pub fn new(name: &str) -> Self {
        let mut runstate = [0u8; 100];
        let n = name.len().min(99);
        runstate[..n].copy_from_slice(&name.as_bytes()[..n]);
        GlobalState {
            size: n as u32 + 1,
            runstate,
        }
    }

    /// The run state's name.
    pub fn name(&self) -> &str {
        let end = self.runstate.iter().position(|&b| b == 0).unwrap_or(100);
        core::str::from_utf8(&self.runstate[..end]).unwrap_or("")
    }
}

/// `ics/irq`: one interrupt source of the XICS controller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "ics/irq", version = 2, minimum_version = 1)]
pub struct IcsIrq {
    /// Interrupt server (CPU) it is routed to.
    pub server: u32,
    /// Priority (0xff: masked).
    pub priority: u8,
    /// Priority saved while masked.
    pub saved_priority: u8,
    /// Status bits (asserted, sent, rejected, masked pending).
    pub status: u8,
    /// Flags (LSI or MSI).
    pub flags: u8,
}

/// `ics`: the XICS interrupt source controller.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "ics", version = 1, minimum_version = 1)]
pub struct Ics {
    /// Number of sources: the stream must have the destination's.
    #[vmstate(equal)]
    pub nr_irqs: u32,
    /// The sources.
    #[vmstate(varray(count = nr_irqs, max = 1048576))]
    pub irqs: Vec<IcsIrq>,
}

impl Ics {
    /// A controller of `nr_irqs` masked sources (QEMU's reset state).
    pub fn new(nr_irqs: u32) -> Self {
        let irq = IcsIrq {
            priority: 0xff,
            saved_priority: 0xff,
            ..IcsIrq::default()
        };
        Ics {
            nr_irqs,
            irqs: vec![irq; nr_irqs as usize],
        }
    }
}

/// `icp/server`: one CPU's XICS presentation controller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "icp/server", version = 1, minimum_version = 1)]
pub struct IcpServer {
    /// External interrupt request register.
    pub xirr: u32,
    /// Priority of the pending interrupt.
    pub pending_priority: u8,
    /// Most favoured request register (IPI priority).
    pub mfrr: u8,
}

/// `xive-source`: the XIVE interrupt source (one PQ status byte per source).
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "xive-source", version = 1, minimum_version = 1)]
pub struct XiveSource {
    /// Number of sources: the stream must have the destination's.
    #[vmstate(equal)]
    pub nr_irqs: u32,
    /// The PQ bits of each source (`VMSTATE_VBUFFER_UINT32`).
    #[vmstate(buffer, varray(count = nr_irqs, max = 1048576), since = 1)]
    pub status: Vec<u8>,
}

impl XiveSource {
    /// A source of `nr_irqs` interrupts, all off (PQ = 01).
    pub fn new(nr_irqs: u32) -> Self {
        XiveSource {
            nr_irqs,
            status: vec![1; nr_irqs as usize],
        }
    }
}

/// `spapr-xive/eas`: an event assignment structure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr-xive/eas", version = 1, minimum_version = 1)]
pub struct XiveEas {
    /// The EAS word.
    pub w: u64,
}

/// `spapr-xive/end`: an event notification descriptor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr-xive/end", version = 1, minimum_version = 1)]
pub struct XiveEnd {
    /// Word 0.
    pub w0: u32,
    /// Word 1.
    pub w1: u32,
    /// Word 2.
    pub w2: u32,
    /// Word 3.
    pub w3: u32,
    /// Word 4.
    pub w4: u32,
    /// Word 5.
    pub w5: u32,
    /// Word 6.
    pub w6: u32,
    /// Word 7.
    pub w7: u32,
}

/// `spapr-xive`: the sPAPR XIVE router's tables.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr-xive", version = 1, minimum_version = 1)]
pub struct SpaprXive {
    /// Number of sources: the stream must have the destination's.
    #[vmstate(equal)]
    pub nr_irqs: u32,
    /// The event assignment table, one entry per source.
    #[vmstate(varray(count = nr_irqs, max = 1048576))]
    pub eat: Vec<XiveEas>,
    /// Number of event queues (configuration, not sent).
    #[vmstate(skip)]
    pub nr_ends: u32,
    /// The event notification descriptor table.
    #[vmstate(varray(count = nr_ends, max = 1048576))]
    pub endt: Vec<XiveEnd>,
}

impl SpaprXive {
    /// A router of `nr_irqs` sources and `nr_ends` event queues, all cleared.
    pub fn new(nr_irqs: u32, nr_ends: u32) -> Self {
        SpaprXive {
            nr_irqs,
            eat: vec![XiveEas::default(); nr_irqs as usize],
            nr_ends,
            endt: vec![XiveEnd::default(); nr_ends as usize],
        }
    }
}

/// `xive-tctx`: one CPU's XIVE thread interrupt context (the TIMA registers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, VmState)]
#[vmstate(name = "xive-tctx", version = 1, minimum_version = 1)]
pub struct XiveTctx {
    /// The four rings' registers.
    #[vmstate(buffer)]
    pub regs: [u8; 64],
}

impl Default for XiveTctx {
    fn default() -> Self {
        XiveTctx { regs: [0; 64] }
    }
}

/// `spapr/rtc`: the real-time clock, as an offset from the host's clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr/rtc", version = 1, minimum_version = 1)]
pub struct SpaprRtc {
    /// Guest time minus host time, in nanoseconds.
    pub ns_offset: i64,
}

/// `spapr_nvram`: the NVRAM's contents.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_nvram", version = 1, minimum_version = 1)]
pub struct SpaprNvram {
    /// Size in bytes.
    pub size: u32,
    /// The contents (`VMSTATE_VBUFFER_ALLOC_UINT32`).
    #[vmstate(buffer, varray(count = size, max = 1048576), since = 1)]
    pub buf: Vec<u8>,
}

/// `spapr_iommu`: a TCE table (a PCI host bridge's or a VIO device's DMA window).
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_iommu", version = 3, minimum_version = 2)]
pub struct SpaprTceTable {
    /// Logical I/O bus number: the stream must have the destination's.
    #[vmstate(equal)]
    pub liobn: u32,
    /// Entries of the table in the stream.
    pub mig_nb_table: u32,
    /// DMA bypasses translation.
    pub bypass: bool,
    /// The translation entries (`VMSTATE_VARRAY_UINT32_ALLOC`).
    #[vmstate(varray(count = mig_nb_table, max = 16777216))]
    pub mig_table: Vec<u64>,
    /// The default DMA window is in use.
    #[vmstate(since = 3)]
    pub def_win: bool,
    /// `spapr_iommu_ex`: the window's bus offset and page size.
    #[vmstate(subsection(name = "spapr_iommu_ex", needed = SpaprTceTable::ex_needed))]
    pub ex: SpaprTceTableEx,
}

/// `spapr_iommu_ex`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_iommu_ex", version = 1, minimum_version = 1)]
pub struct SpaprTceTableEx {
    /// Bus address of the window.
    pub bus_offset: u64,
    /// log2 of the IOMMU page size.
    pub page_shift: u32,
}

impl SpaprTceTable {
    /// An empty table with logical bus number `liobn` (4 KiB pages).
    pub fn new(liobn: u32) -> Self {
        SpaprTceTable {
            liobn,
            ex: SpaprTceTableEx {
                bus_offset: 0,
                page_shift: 12,
            },
            ..SpaprTceTable::default()
        }
    }

    fn ex_needed(&self, _cx: &Context) -> bool {
        self.ex.bus_offset != 0 || self.ex.page_shift != 12
    }
}

/// `spapr_pci/lsi`: one level-sensitive interrupt of a PCI host bridge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_pci/lsi", version = 1, minimum_version = 1)]
pub struct SpaprPciLsi {
    /// Its interrupt number: the stream must have the destination's.
    #[vmstate(equal)]
    pub irq: u32,
}

/// `spapr_pci/msi`: the MSIs allocated to one device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_pci/msi", version = 1, minimum_version = 1)]
pub struct SpaprPciMsi {
    /// The device's config address.
    pub key: u32,
    /// First interrupt.
    #[vmstate(name = "value.first_irq")]
    pub first_irq: u32,
    /// Number of interrupts.
    #[vmstate(name = "value.num")]
    pub num: u32,
}

/// `spapr_pci`: a PCI host bridge.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_pci", version = 2, minimum_version = 2)]
pub struct SpaprPhb {
    /// Bus unit id: the stream must have the destination's.
    #[vmstate(equal)]
    pub buid: u64,
    /// Window addresses, sent to machine types before 2.8 only.
    #[vmstate(if_compat = "pre-2.8-migration")]
    pub mig_liobn: u32,
    /// See `mig_liobn`.
    #[vmstate(if_compat = "pre-2.8-migration")]
    pub mig_mem_win_addr: u64,
    /// See `mig_liobn`.
    #[vmstate(if_compat = "pre-2.8-migration")]
    pub mig_mem_win_size: u64,
    /// See `mig_liobn`.
    #[vmstate(if_compat = "pre-2.8-migration")]
    pub mig_io_win_addr: u64,
    /// See `mig_liobn`.
    #[vmstate(if_compat = "pre-2.8-migration")]
    pub mig_io_win_size: u64,
    /// The four LSIs (INTA..INTD).
    pub lsi_table: [SpaprPciLsi; 4],
    /// Devices with MSIs.
    pub msi_devs_num: i32,
    /// Their MSIs (`VMSTATE_STRUCT_VARRAY_ALLOC`).
    #[vmstate(varray(count = msi_devs_num, max = 65536))]
    pub msi_devs: Vec<SpaprPciMsi>,
}

impl SpaprPhb {
    /// A host bridge with bus unit id `buid` and LSIs `lsi`.
    pub fn new(buid: u64, lsi: [u32; 4]) -> Self {
        SpaprPhb {
            buid,
            lsi_table: lsi.map(|irq| SpaprPciLsi { irq }),
            ..SpaprPhb::default()
        }
    }
}

/// `PCIBUS`: a PCI bus's interrupt line counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "PCIBUS", version = 1, minimum_version = 1)]
pub struct PciBus {
    /// Number of interrupt lines: the stream must have the destination's.
    #[vmstate(equal)]
    pub nirq: i32,
    /// How many devices assert each line.
    #[vmstate(varray(count = nirq, max = 1024))]
    pub irq_count: Vec<i32>,
}

impl PciBus {
    /// A bus of `nirq` lines, none asserted.
    pub fn new(nirq: i32) -> Self {
        PciBus {
            nirq,
            irq_count: vec![0; nirq.max(0) as usize],
        }
    }
}

// The compat flag the PHB's window fields are gated on.
const _: &str = flags::PRE_2_8;
