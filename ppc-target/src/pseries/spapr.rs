//! The machine's own sections: `spapr` (the time base, the option vectors the guest
//! negotiated, the capabilities, the device tree), the console's `spapr_vty`, and the
//! hashed page table's iterative `spapr/htab` (a hand-written format in QEMU too).
//!
//! ```
//! use ppc_target::pseries::spapr::{EventLogEntry, Spapr};
//! use vmstate::{Context, VmState};
//!
//! let cx = Context::new("pseries-7.2");
//! let mut m = Spapr::default();
//! m.tb.guest_timebase = 0x1234;
//! m.dtb.fdt_size = 3;
//! m.dtb.fdt_blob = vec![0xd0, 0x0d, 0xfe];
//! m.dtb.present = true;
//! // An event waiting for the guest: the `spapr_pending_events` subsection (a QTAILQ).
//! m.pending_events.pending_events.push(EventLogEntry {
//!     summary: 0x8000_0000,
//!     extended_length: 2,
//!     extended_log: vec![1, 2],
//! });
//! let mut body = Vec::new();
//! m.save(&mut body, &cx).unwrap();
//! let mut back = Spapr::default();
//! back.load(&body, 3, &cx).unwrap();
//! assert_eq!(back, m);
//! ```

use vmstate::wire::Reader;
use vmstate::{Bitmap, Context, Error, QTailQ, Result, VmState};

/// `timebase`: the guest time base and the host time of day when it was taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "timebase", version = 1, minimum_version = 1)]
pub struct PpcTimebase {
    /// The guest's time base.
    pub guest_timebase: u64,
    /// Host wall-clock time (ns) when it was taken.
    pub time_of_the_day_ns: i64,
}

/// `spapr_option_vector`: a bitmap of option-vector bits (256 bytes).
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_option_vector", version = 1, minimum_version = 1)]
pub struct OptionVector {
    /// The bits.
    pub bitmap: Bitmap<2048>,
}

/// `spapr_option_vector_ov5_cas`: option vector 5 as client-architecture-support left it.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_option_vector_ov5_cas", version = 1, minimum_version = 1, post_load = Ov5Cas::loaded)]
pub struct Ov5Cas {
    /// The vector.
    pub ov5_cas: OptionVector,
    /// The stream carried it (QEMU sends it when the machine type offers options
    /// beyond affinity and dynamic-reconfiguration memory: pseries-2.8 and later).
    #[vmstate(skip)]
    pub present: bool,
}

impl Ov5Cas {
    fn loaded(&mut self, _cx: &Context, _version: u32) -> Result<()> {
        self.present = true;
        Ok(())
    }
}

/// `spapr_patb_entry`: the partition-table entry the guest registered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_patb_entry", version = 1, minimum_version = 1)]
pub struct PatbEntry {
    /// The entry.
    pub patb_entry: u64,
}

/// `spapr_event_log_entry`: an RTAS event (EPOW, hotplug) waiting for the guest.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_event_log_entry", version = 1, minimum_version = 1)]
pub struct EventLogEntry {
    /// The event summary word.
    pub summary: u32,
    /// Length of the extended log.
    pub extended_length: u32,
    /// The extended log (`VMSTATE_VBUFFER_ALLOC_UINT32`).
    #[vmstate(buffer, varray(count = extended_length, max = 65536))]
    pub extended_log: Vec<u8>,
}

/// `spapr_pending_events`: the RTAS events not yet delivered (`VMSTATE_QTAILQ_V`).
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_pending_events", version = 1, minimum_version = 1)]
pub struct PendingEvents {
    /// The queue.
    #[vmstate(since = 1)]
    pub pending_events: QTailQ<EventLogEntry, 1024>,
}

/// `spapr_dtb`: the device tree as the guest updated it.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_dtb", version = 1, minimum_version = 1, post_load = Dtb::loaded)]
pub struct Dtb {
    /// Size of the tree the machine built.
    pub fdt_initial_size: u32,
    /// Size of the current tree.
    pub fdt_size: u32,
    /// The tree (`VMSTATE_VBUFFER_ALLOC_UINT32`).
    #[vmstate(buffer, varray(count = fdt_size, max = 16777216))]
    pub fdt_blob: Vec<u8>,
    /// The stream carried it (QEMU sends it once the guest changed the tree).
    #[vmstate(skip)]
    pub present: bool,
}

impl Dtb {
    fn loaded(&mut self, _cx: &Context, _version: u32) -> Result<()> {
        self.present = true;
        Ok(())
    }
}

/// `spapr_fwnmi`: the firmware-assisted NMI registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_fwnmi", version = 1, minimum_version = 1)]
pub struct Fwnmi {
    /// The guest's system-reset handler.
    pub fwnmi_system_reset_addr: u64,
    /// The guest's machine-check handler (-1: not registered).
    pub fwnmi_machine_check_addr: u64,
    /// The vCPU inside the handler (-1: none).
    pub fwnmi_machine_check_interlock: i32,
}

impl Default for Fwnmi {
    fn default() -> Self {
        Fwnmi {
            fwnmi_system_reset_addr: u64::MAX,
            fwnmi_machine_check_addr: u64::MAX,
            fwnmi_machine_check_interlock: -1,
        }
    }
}

/// One `spapr/cap/NAME` subsection: a capability's value, sent when it differs from
/// the machine type's default or was set on the command line (which a destination
/// cannot see: a carried value is sent again when it came in).
macro_rules! caps {
    ($($(#[$doc:meta])* $ty:ident $name:literal $field:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, VmState)]
        #[vmstate(name = $name, version = 1, minimum_version = 1, post_load = $ty::loaded)]
        pub struct $ty {
            /// The capability's value.
            #[vmstate(name = $field)]
            pub value: u8,
            /// The stream carried it.
            #[vmstate(skip)]
            pub present: bool,
        }

        impl $ty {
            fn loaded(&mut self, _cx: &Context, _version: u32) -> Result<()> {
                self.present = true;
                Ok(())
            }
        }
    )*};
}

caps! {
    /// `spapr/cap/htm`.
    CapHtm "spapr/cap/htm" "mig.caps[0x00]";
    /// `spapr/cap/vsx`.
    CapVsx "spapr/cap/vsx" "mig.caps[0x01]";
    /// `spapr/cap/dfp`.
    CapDfp "spapr/cap/dfp" "mig.caps[0x02]";
    /// `spapr/cap/cfpc`.
    CapCfpc "spapr/cap/cfpc" "mig.caps[0x03]";
    /// `spapr/cap/sbbc`.
    CapSbbc "spapr/cap/sbbc" "mig.caps[0x04]";
    /// `spapr/cap/ibs`.
    CapIbs "spapr/cap/ibs" "mig.caps[0x05]";
    /// `spapr/cap/hpt_maxpagesize`.
    CapHptMaxPageSize "spapr/cap/hpt_maxpagesize" "mig.caps[0x06]";
    /// `spapr/cap/nested_kvm_hv`.
    CapNestedKvmHv "spapr/cap/nested_kvm_hv" "mig.caps[0x07]";
    /// `spapr/cap/large_decr`.
    CapLargeDecr "spapr/cap/large_decr" "mig.caps[0x08]";
    /// `spapr/cap/ccf_assist`.
    CapCcfAssist "spapr/cap/ccf_assist" "mig.caps[0x09]";
    /// `spapr/cap/fwnmi`.
    CapFwnmi "spapr/cap/fwnmi" "mig.caps[0x0a]";
    /// `spapr/cap/rpt_invalidate`.
    CapRptInvalidate "spapr/cap/rpt_invalidate" "mig.caps[0x0b]";
}

/// `spapr`: QEMU 7.2's `vmstate_spapr`. The legacy interrupt map (`spapr_irq_map`, a
/// bitmap of run-time length, only sent by machines with legacy interrupt numbering) is
/// refused by name when a stream carries it.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr", version = 3, minimum_version = 1)]
pub struct Spapr {
    /// Where `next_irq` once was (versions 1 and 2).
    #[vmstate(unused = 4, test = Spapr::before_3)]
    pub removed: (),
    /// The RTC offset of versions 1 and 2 (now in `spapr/rtc`).
    #[vmstate(test = Spapr::before_3)]
    pub rtc_offset: u64,
    /// The time base.
    #[vmstate(since = 2)]
    pub tb: PpcTimebase,
    /// `spapr_option_vector_ov5_cas`.
    #[vmstate(subsection(name = "spapr_option_vector_ov5_cas", needed = Spapr::ov5_needed))]
    pub ov5_cas: Ov5Cas,
    /// `spapr_patb_entry`.
    #[vmstate(subsection(name = "spapr_patb_entry", needed = Spapr::patb_needed))]
    pub patb: PatbEntry,
    /// `spapr_pending_events`.
    #[vmstate(subsection(name = "spapr_pending_events", needed = Spapr::events_needed))]
    pub pending_events: PendingEvents,
    /// `spapr/cap/htm`.
    #[vmstate(subsection(name = "spapr/cap/htm", needed = Spapr::htm_needed))]
    pub cap_htm: CapHtm,
    /// `spapr/cap/vsx`.
    #[vmstate(subsection(name = "spapr/cap/vsx", needed = Spapr::vsx_needed))]
    pub cap_vsx: CapVsx,
    /// `spapr/cap/dfp`.
    #[vmstate(subsection(name = "spapr/cap/dfp", needed = Spapr::dfp_needed))]
    pub cap_dfp: CapDfp,
    /// `spapr/cap/cfpc`.
    #[vmstate(subsection(name = "spapr/cap/cfpc", needed = Spapr::cfpc_needed))]
    pub cap_cfpc: CapCfpc,
    /// `spapr/cap/sbbc`.
    #[vmstate(subsection(name = "spapr/cap/sbbc", needed = Spapr::sbbc_needed))]
    pub cap_sbbc: CapSbbc,
    /// `spapr/cap/ibs`.
    #[vmstate(subsection(name = "spapr/cap/ibs", needed = Spapr::ibs_needed))]
    pub cap_ibs: CapIbs,
    /// `spapr/cap/hpt_maxpagesize`.
    #[vmstate(subsection(name = "spapr/cap/hpt_maxpagesize", needed = Spapr::mps_needed))]
    pub cap_hpt_maxpagesize: CapHptMaxPageSize,
    /// `spapr/cap/nested_kvm_hv`.
    #[vmstate(subsection(name = "spapr/cap/nested_kvm_hv", needed = Spapr::nested_needed))]
    pub cap_nested_kvm_hv: CapNestedKvmHv,
    /// `spapr_dtb`.
    #[vmstate(subsection(name = "spapr_dtb", needed = Spapr::dtb_needed))]
    pub dtb: Dtb,
    /// `spapr/cap/large_decr`.
    #[vmstate(subsection(name = "spapr/cap/large_decr", needed = Spapr::large_decr_needed))]
    pub cap_large_decr: CapLargeDecr,
    /// `spapr/cap/ccf_assist`.
    #[vmstate(subsection(name = "spapr/cap/ccf_assist", needed = Spapr::ccf_needed))]
    pub cap_ccf_assist: CapCcfAssist,
    /// `spapr/cap/fwnmi`.
    #[vmstate(subsection(name = "spapr/cap/fwnmi", needed = Spapr::cap_fwnmi_needed))]
    pub cap_fwnmi: CapFwnmi,
    /// `spapr_fwnmi`.
    #[vmstate(subsection(name = "spapr_fwnmi", needed = Spapr::fwnmi_needed))]
    pub fwnmi: Fwnmi,
    /// `spapr/cap/rpt_invalidate`.
    #[vmstate(subsection(name = "spapr/cap/rpt_invalidate", needed = Spapr::rpt_needed))]
    pub cap_rpt_invalidate: CapRptInvalidate,
}

impl Spapr {
    fn before_3(&self, _cx: &Context, version: u32) -> bool {
        version < 3
    }

    fn ov5_needed(&self, _cx: &Context) -> bool {
        self.ov5_cas.present
    }

    /// QEMU: sent when the guest registered a partition-table entry.
    fn patb_needed(&self, _cx: &Context) -> bool {
        self.patb.patb_entry != 0
    }

    /// QEMU: sent while events wait for the guest.
    fn events_needed(&self, _cx: &Context) -> bool {
        !self.pending_events.pending_events.is_empty()
    }

    fn htm_needed(&self, _cx: &Context) -> bool {
        self.cap_htm.present
    }
    fn vsx_needed(&self, _cx: &Context) -> bool {
        self.cap_vsx.present
    }
    fn dfp_needed(&self, _cx: &Context) -> bool {
        self.cap_dfp.present
    }
    fn cfpc_needed(&self, _cx: &Context) -> bool {
        self.cap_cfpc.present
    }
    fn sbbc_needed(&self, _cx: &Context) -> bool {
        self.cap_sbbc.present
    }
    fn ibs_needed(&self, _cx: &Context) -> bool {
        self.cap_ibs.present
    }
    fn mps_needed(&self, _cx: &Context) -> bool {
        self.cap_hpt_maxpagesize.present
    }
    fn nested_needed(&self, _cx: &Context) -> bool {
        self.cap_nested_kvm_hv.present
    }
    fn dtb_needed(&self, _cx: &Context) -> bool {
        self.dtb.present
    }
    fn large_decr_needed(&self, _cx: &Context) -> bool {
        self.cap_large_decr.present
    }
    fn ccf_needed(&self, _cx: &Context) -> bool {
        self.cap_ccf_assist.present
    }
    fn cap_fwnmi_needed(&self, _cx: &Context) -> bool {
        self.cap_fwnmi.present
    }
    /// QEMU: sent once the guest registered a machine-check handler.
    fn fwnmi_needed(&self, _cx: &Context) -> bool {
        self.fwnmi.fwnmi_machine_check_addr != u64::MAX
    }
    fn rpt_needed(&self, _cx: &Context) -> bool {
        self.cap_rpt_invalidate.present
    }
}

/// `spapr_vio`: a VIO device's bus state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_vio", version = 1, minimum_version = 1)]
pub struct SpaprVio {
    /// Its `reg`: the stream must have the destination's.
    #[vmstate(equal)]
    pub reg: u32,
    /// Its interrupt: the stream must have the destination's.
    #[vmstate(equal)]
    pub irq: u32,
    /// Interrupt signalling state.
    pub signal_state: u64,
    /// Command/response queue: its address.
    #[vmstate(name = "crq.qladdr")]
    pub crq_qladdr: u64,
    /// Its size.
    #[vmstate(name = "crq.qsize")]
    pub crq_qsize: u32,
    /// Its next entry.
    #[vmstate(name = "crq.qnext")]
    pub crq_qnext: u32,
}

/// `spapr_vty`: the console's input buffer (a ring of 16 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_vty", version = 1, minimum_version = 1)]
pub struct SpaprVty {
    /// The VIO device.
    pub sdev: SpaprVio,
    /// Bytes received.
    #[vmstate(name = "in")]
    pub input: u32,
    /// Bytes the guest read.
    pub out: u32,
    /// The ring.
    #[vmstate(buffer)]
    pub buf: [u8; 16],
}

impl SpaprVty {
    /// The console at `reg` with interrupt `irq` (the first vty: 0x71000001, 0x1001).
    pub fn new(reg: u32, irq: u32) -> Self {
        SpaprVty {
            sdev: SpaprVio {
                reg,
                irq,
                ..SpaprVio::default()
            },
            ..SpaprVty::default()
        }
    }
}

/// Most hash-table bytes one `spapr/htab` record may carry (a 16 GiB guest's table is
/// 128 MiB; a record is a slice of it).
pub const MAX_HTAB_RECORD: usize = 256 << 20;

/// Takes one `spapr/htab` record body from `r` (QEMU's `htab_save_setup` / `_iterate`
/// / `_complete`): a be32 header (the table's shift in the START, 0 or -1 after), then
/// unless the header is -1 or this is the START, chunks of (be32 index, be16 valid,
/// be16 invalid, 16 bytes per valid entry) ended by an all-zero chunk. The bytes are
/// the table's contents, carried as they are.
pub fn take_htab_record<'a>(r: &mut Reader<'a>, start: bool) -> Result<&'a [u8]> {
    let mut c = r.clone();
    let header = c.get_be32()?;
    let mut len = 4usize;
    if !(start || header == u32::MAX) {
        loop {
            let index = c.get_be32()?;
            let valid = usize::from(c.get_be16()?);
            let invalid = c.get_be16()?;
            len += 8;
            if index == 0 && valid == 0 && invalid == 0 {
                break;
            }
            len += 16 * valid;
            if len > MAX_HTAB_RECORD {
                return Err(Error::invalid("spapr/htab: a record larger than 256 MiB")
                    .at_offset(r.offset()));
            }
            c.skip(16 * valid)?;
        }
    }
    r.take(len)
}
