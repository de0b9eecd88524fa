//! The ppc64 CPU state as QEMU 7.2's `vmstate_ppc_cpu` migrates it (spec §1), plus the
//! `cpu_common` and `spapr_cpu` sections that accompany each vCPU on pseries.
//!
//! The interpreter runs on this same struct. Registers QEMU keeps outside the SPR array
//! (LR, CTR, XER, CFAR) are live fields here; `pre_save` copies them into their SPR slots
//! and `post_load` takes them back, as QEMU does. `post_load` also decides whether the
//! incoming CPU may run on this model (spec §4): the compat-mode path or the raw PVR path.

use std::fmt;

use vmstate::wire::{Reader, Writer};
use vmstate::{Context, Elem, Field, Info, VmState};

use crate::compat::{self, flags, CompatError};
use crate::models::{CpuModel, IsaLevel};

/// SPR numbers with special treatment (spec §1.5).
pub mod spr {
    /// XER.
    pub const XER: usize = 1;
    /// LR.
    pub const LR: usize = 8;
    /// CTR.
    pub const CTR: usize = 9;
    /// CFAR.
    pub const CFAR: usize = 28;
    /// VRSAVE.
    pub const VRSAVE: usize = 256;
    /// PVR.
    pub const PVR: usize = 287;
    /// PCR.
    pub const PCR: usize = 338;
    /// TAR.
    pub const TAR: usize = 815;
    /// DSISR.
    pub const DSISR: usize = 18;
    /// DAR.
    pub const DAR: usize = 19;
    /// Decrementer.
    pub const DEC: usize = 22;
    /// SDR1.
    pub const SDR1: usize = 25;
    /// SRR0.
    pub const SRR0: usize = 26;
    /// SRR1.
    pub const SRR1: usize = 27;
    /// Time base (read, lower/whole).
    pub const TB: usize = 268;
    /// Time base upper (read).
    pub const TBU: usize = 269;
    /// SPRG0 (SPRG1–3 follow).
    pub const SPRG0: usize = 272;
    /// SPRG3.
    pub const SPRG3: usize = 275;
    /// Time base lower (write, hypervisor).
    pub const TBL_W: usize = 284;
    /// Time base upper (write, hypervisor).
    pub const TBU_W: usize = 285;
    /// LPCR.
    pub const LPCR: usize = 318;
    /// Processor identification.
    pub const PIR: usize = 1023;
}

/// MSR bits (LSB-0).
pub mod msr {
    /// Sixty-four-bit mode.
    pub const SF: u64 = 1 << 63;
    /// Hypervisor state.
    pub const HV: u64 = 1 << 60;
    /// Vector (VMX) available.
    pub const VEC: u64 = 1 << 25;
    /// VSX available.
    pub const VSX: u64 = 1 << 23;
    /// External interrupts enabled.
    pub const EE: u64 = 1 << 15;
    /// Problem state.
    pub const PR: u64 = 1 << 14;
    /// Floating point available.
    pub const FP: u64 = 1 << 13;
    /// Machine check enabled.
    pub const ME: u64 = 1 << 12;
    /// Instruction relocation.
    pub const IR: u64 = 1 << 5;
    /// Data relocation.
    pub const DR: u64 = 1 << 4;
    /// Recoverable interrupt.
    pub const RI: u64 = 1 << 1;
    /// Little-endian mode.
    pub const LE: u64 = 1;
}

/// XER bits (LSB-0).
pub mod xer {
    /// Summary overflow.
    pub const SO: u64 = 1 << 31;
    /// Overflow.
    pub const OV: u64 = 1 << 30;
    /// Carry.
    pub const CA: u64 = 1 << 29;
    /// ISA 3.0 32-bit overflow.
    pub const OV32: u64 = 1 << 19;
    /// ISA 3.0 32-bit carry.
    pub const CA32: u64 = 1 << 18;
}

/// `MSR[TS]`: a transaction is active or suspended (decides `cpu/tm`).
pub const MSR_TS: u64 = 0x0000_0006_0000_0000;

mod subsections;
pub use subsections::*;

/// The whole ppc64 CPU: QEMU 7.2's `cpu` section (version 5) and the interpreter's state.
///
/// ```
/// use ppc_target::{CpuState, models::CpuModel, compat::MachineType};
/// use vmstate::VmState;
///
/// let mut cpu = CpuState::new(CpuModel::by_name("power9").unwrap());
/// cpu.set_compat(0x0f000004).unwrap(); // power8 mode
/// let mut body = Vec::new();
/// cpu.save(&mut body, &MachineType::latest().context()).unwrap();
/// assert_eq!(body.len(), 10664);
///
/// // A POWER8 destination accepts it (the compat path, spec §4 R3) ...
/// let mut dst = CpuState::new(CpuModel::by_name("power8").unwrap());
/// dst.load(&body, 5, &MachineType::latest().context()).unwrap();
/// assert_eq!(dst.compat.compat_pvr, 0x0f000004);
///
/// // ... and a pseries-2.9 stream carries no cpu/compat, so POWER8 checks the PVR.
/// body.clear();
/// cpu.save(&mut body, &MachineType::by_name("pseries-2.9").unwrap().context()).unwrap();
/// assert_eq!(body.len(), 10648); // + mig_slb_nr, - cpu/compat
/// let mut dst = CpuState::new(CpuModel::by_name("power8").unwrap());
/// let err = dst.load(&body, 5, &MachineType::by_name("pseries-2.9").unwrap().context()).unwrap_err();
/// assert!(err.to_string().contains("PVR 0x004e1200"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, VmState)]
#[vmstate(name = "cpu", version = 5, minimum_version = 5, pre_save = CpuState::pre_save, post_load = CpuState::post_load)]
pub struct CpuState {
    /// Padding where the PVR once travelled: zeros on save, skipped on load.
    #[vmstate(unused = 8, target_ulong)]
    pub unused_pvr_slot: (),
    /// GPR0–31.
    #[vmstate(name = "env.gpr", target_ulong)]
    pub gpr: [u64; 32],
    /// The high halves of the GPRs (SPE), sent by 32-bit builds only.
    #[vmstate(name = "env.gprh", if_compat = "target-long-32")]
    pub gprh: [u32; 32],
    /// CR fields 0–7, each in its low 4 bits (LT 8, GT 4, EQ 2, SO 1).
    #[vmstate(name = "env.crf")]
    pub crf: [u32; 8],
    /// Address of the next instruction.
    #[vmstate(name = "env.nip", target_ulong)]
    pub nip: u64,
    /// The SPR array, indexed by SPR number.
    #[vmstate(name = "env.spr", target_ulong)]
    pub spr: [u64; 1024],
    /// SPE accumulator (0 on server CPUs).
    #[vmstate(name = "env.spe_acc")]
    pub spe_acc: u64,
    /// Reservation address; all ones when none is held.
    #[vmstate(name = "env.reserve_addr", target_ulong)]
    pub reserve_addr: u64,
    /// MSR.
    #[vmstate(name = "env.msr", target_ulong)]
    pub msr: u64,
    /// Always 0 on save since QEMU 6.0; ignored on load.
    #[vmstate(name = "env.hflags_compat_nmsr", target_ulong)]
    pub hflags_compat_nmsr: u64,
    /// pre-2.8 scratch copies (pseries-2.7 and older).
    #[vmstate(if_compat = "pre-2.8-migration", target_ulong)]
    pub mig_msr_mask: u64,
    /// pre-2.8 scratch copy.
    #[vmstate(if_compat = "pre-2.8-migration")]
    pub mig_insns_flags: u64,
    /// pre-2.8 scratch copy.
    #[vmstate(if_compat = "pre-2.8-migration")]
    pub mig_insns_flags2: u64,
    /// pre-2.8 scratch copy.
    #[vmstate(name = "mig_nb_BATs", if_compat = "pre-2.8-migration")]
    pub mig_nb_bats: u32,

    /// `cpu/fpu`.
    #[vmstate(subsection(name = "cpu/fpu", needed = CpuState::fpu_needed))]
    pub fpu: FpuState,
    /// `cpu/altivec`.
    #[vmstate(subsection(name = "cpu/altivec", needed = CpuState::altivec_needed))]
    pub altivec: AltivecState,
    /// `cpu/vsx`.
    #[vmstate(subsection(name = "cpu/vsx", needed = CpuState::vsx_needed))]
    pub vsx: VsxState,
    /// `cpu/sr`.
    #[vmstate(subsection(name = "cpu/sr", needed = CpuState::sr_needed))]
    pub sr: SrState,
    /// `cpu/tm`.
    #[vmstate(subsection(name = "cpu/tm", needed = CpuState::tm_needed))]
    pub tm: TmState,
    /// `cpu/slb`.
    #[vmstate(subsection(name = "cpu/slb", needed = CpuState::slb_needed))]
    pub slb: SlbState,
    /// `cpu/tlb6xx`.
    #[vmstate(subsection(name = "cpu/tlb6xx", needed = CpuState::tlb6xx_needed))]
    pub tlb6xx: Tlb6xxState,
    /// `cpu/tlbemb`.
    #[vmstate(subsection(name = "cpu/tlbemb", needed = CpuState::tlbemb_needed))]
    pub tlbemb: TlbEmbState,
    /// `cpu/tlbmas`.
    #[vmstate(subsection(name = "cpu/tlbmas", needed = CpuState::tlbmas_needed))]
    pub tlbmas: TlbMasState,
    /// `cpu/compat`: never sent to pseries-2.9 and older (the review remark on the
    /// original patch, declared once here).
    #[vmstate(subsection(name = "cpu/compat", needed = CpuState::compat_needed, unless_compat = "pre-2.10-migration"))]
    pub compat: CompatState,

    /// The CPU model (not migrated: the destination's own).
    #[vmstate(skip)]
    pub model: &'static CpuModel,
    /// The software TLB kind of the model (not migrated).
    #[vmstate(skip)]
    pub soft_tlb: SoftTlb,
    /// Link register.
    #[vmstate(skip)]
    pub lr: u64,
    /// Count register.
    #[vmstate(skip)]
    pub ctr: u64,
    /// XER, all bits as written (OV32/CA32 visible only at ISA 3.0).
    #[vmstate(skip)]
    pub xer: u64,
    /// Come-from address register.
    #[vmstate(skip)]
    pub cfar: u64,
    /// Effective ISA level (derived from the model and the PCR; recomputed on load).
    #[vmstate(skip)]
    pub isa: IsaLevel,
    /// The time base is the host's ticks plus this (not migrated here: the `timer`
    /// section carries the machine's time base).
    #[vmstate(skip)]
    pub tb_offset: u64,
    /// The time base value at which the decrementer passes zero.
    #[vmstate(skip)]
    pub dec_at: u64,
    /// The decrementer was written and has not interrupted since.
    #[vmstate(skip)]
    pub dec_armed: bool,
}

/// Why an incoming CPU is refused (spec §4).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AcceptError {
    /// The stream's compat mode cannot be set on this model (R1, R2).
    Compat(CompatError),
    /// Raw mode and the source PVR does not match this model (R6/R7).
    Pvr {
        /// The source PVR (low 32 bits of `spr[287]`).
        pvr: u32,
        /// The destination model.
        model: &'static str,
    },
}

impl fmt::Display for AcceptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AcceptError::Compat(e) => e.fmt(f),
            AcceptError::Pvr { pvr, model } => {
                write!(f, "source CPU PVR 0x{pvr:08x} does not match destination model {model} (raw mode)")
            }
        }
    }
}

impl std::error::Error for AcceptError {}

impl Default for CpuState {
    fn default() -> Self {
        Self::new(CpuModel::power9())
    }
}

impl CpuState {
    /// A CPU of `model` in its reset state: raw mode, no reservation, PVR in `spr[287]`.
    pub fn new(model: &'static CpuModel) -> Self {
        let mut spr = [0u64; 1024];
        spr[spr::PVR] = u64::from(model.pvr);
        CpuState {
            unused_pvr_slot: (),
            gpr: [0; 32],
            gprh: [0; 32],
            crf: [0; 8],
            nip: 0x100,
            spr,
            spe_acc: 0,
            reserve_addr: u64::MAX,
            msr: 0,
            hflags_compat_nmsr: 0,
            mig_msr_mask: 0,
            mig_insns_flags: 0,
            mig_insns_flags2: 0,
            mig_nb_bats: 0,
            fpu: FpuState::default(),
            altivec: AltivecState::default(),
            vsx: VsxState::default(),
            sr: SrState::default(),
            tm: TmState::default(),
            slb: SlbState::default(),
            tlb6xx: Tlb6xxState::default(),
            tlbemb: TlbEmbState::default(),
            tlbmas: TlbMasState::default(),
            compat: CompatState::default(),
            model,
            soft_tlb: SoftTlb::None,
            lr: 0,
            ctr: 0,
            xer: 0,
            cfar: 0,
            isa: model.isa,
            tb_offset: 0,
            dec_at: 0,
            dec_armed: false,
        }
    }

    /// Sets the architected compat mode (QEMU's `ppc_set_compat`): 0 = raw mode.
    pub fn set_compat(&mut self, compat_pvr: u32) -> Result<(), CompatError> {
        let pcr = compat::check_compat(self.model, compat_pvr)?;
        self.compat.compat_pvr = compat_pvr;
        self.spr[spr::PCR] = pcr;
        self.isa = compat::effective_isa(self.model, pcr);
        Ok(())
    }

    /// The destination side of a machine reset with `max-cpu-compat`: the mode the
    /// destination applies when the stream carries no `cpu/compat` (spec §4.1 R0/R5).
    pub fn reset_compat(&mut self, max_cpu_compat: Option<u32>) -> Result<(), CompatError> {
        self.set_compat(max_cpu_compat.unwrap_or(0))
    }

    /// The CR as `mfcr` returns it (CR0 in the top nibble).
    pub fn cr(&self) -> u32 {
        self.crf.iter().fold(0, |acc, f| (acc << 4) | (f & 0xf))
    }

    /// Sets the whole CR.
    pub fn set_cr(&mut self, cr: u32) {
        for (i, f) in self.crf.iter_mut().enumerate() {
            *f = (cr >> (28 - 4 * i)) & 0xf;
        }
    }

    /// XER as `mfxer` reads it and as it travels: OV32/CA32 only on ISA 3.0+ models.
    pub fn xer_visible(&self) -> u64 {
        let hidden = if self.model.isa >= IsaLevel::V3_0 {
            0
        } else {
            xer::OV32 | xer::CA32
        };
        self.xer & 0xFFFF_FFFF & !hidden
    }

    /// Whether this CPU, as a destination, accepts an incoming state whose compat PVR is
    /// `compat_pvr` and whose source PVR is `pvr` (spec §4.1); returns the new PCR on the
    /// compat path.
    pub fn accepts(&self, compat_pvr: u32, pvr: u32) -> Result<Option<u64>, AcceptError> {
        if compat_pvr != 0 {
            return compat::check_compat(self.model, compat_pvr)
                .map(Some)
                .map_err(AcceptError::Compat);
        }
        if self.model.accepts_pvr(pvr) {
            Ok(None)
        } else {
            Err(AcceptError::Pvr {
                pvr,
                model: self.model.name,
            })
        }
    }

    fn pre_save(&mut self, cx: &Context) -> Result<(), AcceptError> {
        self.spr[spr::LR] = self.lr;
        self.spr[spr::CTR] = self.ctr;
        self.spr[spr::XER] = self.xer_visible();
        if self.model.facilities.mmu64 {
            self.spr[spr::CFAR] = self.cfar;
        }
        self.hflags_compat_nmsr = 0;
        if cx.compat(flags::PRE_2_8) {
            self.mig_msr_mask = self.model.mig_msr_mask;
            self.mig_insns_flags = self.model.mig_insns_flags;
            self.mig_insns_flags2 = self.model.mig_insns_flags2;
            self.mig_nb_bats = 0;
        }
        if cx.compat(flags::PRE_3_0) {
            self.slb.mig_slb_nr = self.model.facilities.slb_size as i32;
        }
        Ok(())
    }

    fn post_load(&mut self, _cx: &Context, _version: u32) -> Result<(), AcceptError> {
        // The compat PVR is the stream's when cpu/compat came, else this CPU's own
        // after its machine reset (spec §4.1 R0).
        let pvr = self.spr[spr::PVR] as u32;
        match self.accepts(self.compat.compat_pvr, pvr)? {
            Some(pcr) => self.spr[spr::PCR] = pcr,
            None => self.compat.compat_pvr = 0,
        }
        self.lr = self.spr[spr::LR];
        self.ctr = self.spr[spr::CTR];
        self.xer = self.spr[spr::XER] & 0xFFFF_FFFF;
        if self.model.facilities.mmu64 {
            self.cfar = self.spr[spr::CFAR];
        }
        self.isa = compat::effective_isa(self.model, self.spr[spr::PCR]);
        Ok(())
    }

    fn fpu_needed(&self, _cx: &Context) -> bool {
        self.model.facilities.fpu
    }
    fn altivec_needed(&self, _cx: &Context) -> bool {
        self.model.facilities.vmx
    }
    fn vsx_needed(&self, _cx: &Context) -> bool {
        self.model.facilities.vsx
    }
    fn sr_needed(&self, _cx: &Context) -> bool {
        !self.model.facilities.mmu64
    }
    fn tm_needed(&self, _cx: &Context) -> bool {
        self.msr & MSR_TS != 0
    }
    fn slb_needed(&self, _cx: &Context) -> bool {
        self.model.facilities.mmu64
    }
    fn tlb6xx_needed(&self, _cx: &Context) -> bool {
        self.soft_tlb == SoftTlb::Tlb6xx
    }
    fn tlbemb_needed(&self, _cx: &Context) -> bool {
        self.soft_tlb == SoftTlb::Embedded
    }
    fn tlbmas_needed(&self, _cx: &Context) -> bool {
        self.soft_tlb == SoftTlb::Mas
    }
    fn compat_needed(&self, _cx: &Context) -> bool {
        self.compat.compat_pvr != 0
    }
}

/// The generic per-vCPU `cpu_common` section.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "cpu_common", version = 1, minimum_version = 1)]
pub struct CpuCommon {
    /// Whether the vCPU is halted.
    pub halted: u32,
    /// Pending interrupt request bits.
    pub interrupt_request: u32,
}

/// `spapr_cpu/vpa`: the registered Virtual Processor Area.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_cpu/vpa", version = 1, minimum_version = 1)]
pub struct SpaprVpa {
    /// Guest address of the VPA.
    pub vpa_addr: u64,
}

/// `spapr_cpu/slb_shadow`: the registered SLB shadow buffer.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_cpu/slb_shadow", version = 1, minimum_version = 1)]
#[allow(missing_docs)]
pub struct SpaprSlbShadow {
    pub slb_shadow_addr: u64,
    pub slb_shadow_size: u64,
}

/// `spapr_cpu/dtl`: the registered dispatch trace log.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_cpu/dtl", version = 1, minimum_version = 1)]
#[allow(missing_docs)]
pub struct SpaprDtl {
    pub dtl_addr: u64,
    pub dtl_size: u64,
}

/// The pseries per-vCPU `spapr_cpu` section: an empty body unless the guest registered
/// a VPA (then the three subsections).
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "spapr_cpu", version = 1, minimum_version = 1)]
pub struct SpaprCpu {
    /// `spapr_cpu/vpa`.
    #[vmstate(subsection(name = "spapr_cpu/vpa", needed = SpaprCpu::vpa_needed))]
    pub vpa: SpaprVpa,
    /// `spapr_cpu/slb_shadow`.
    #[vmstate(subsection(name = "spapr_cpu/slb_shadow", needed = SpaprCpu::slb_shadow_needed))]
    pub slb_shadow: SpaprSlbShadow,
    /// `spapr_cpu/dtl`.
    #[vmstate(subsection(name = "spapr_cpu/dtl", needed = SpaprCpu::dtl_needed))]
    pub dtl: SpaprDtl,
}

impl SpaprCpu {
    fn vpa_needed(&self, _cx: &Context) -> bool {
        self.vpa.vpa_addr != 0
    }
    fn slb_shadow_needed(&self, _cx: &Context) -> bool {
        self.slb_shadow.slb_shadow_addr != 0
    }
    fn dtl_needed(&self, _cx: &Context) -> bool {
        self.dtl.dtl_addr != 0
    }
}
