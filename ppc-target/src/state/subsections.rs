//! The codecs of the `cpu` section's register types (QEMU's `fpr`, `vsr`, `avr`,
//! `slbe` ...) and its subsections' states.

use super::*;

macro_rules! u64_codec {
    ($(#[$doc:meta])* $name:ident, $info:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name(pub u64);

        impl Field for $name {
            const ELEM: Elem = Elem::Leaf(Info { name: $info, size: 8 });
            const COUNT: usize = 1;
            #[inline]
            fn put(&mut self, w: &mut Writer<'_>, _cx: &Context) -> vmstate::Result<()> {
                w.put_be64(self.0);
                Ok(())
            }
            #[inline]
            fn get(&mut self, r: &mut Reader<'_>, _cx: &Context) -> vmstate::Result<()> {
                self.0 = r.get_be64()?;
                Ok(())
            }
        }
    };
}

u64_codec!(
    /// An FPR: doubleword 0 of VSR i (QEMU's `fpr` codec).
    Fpr,
    "fpr"
);
u64_codec!(
    /// Doubleword 1 of VSR i, i < 32 (QEMU's `vsr` codec).
    VsrLow,
    "vsr"
);

/// A 128-bit vector register (QEMU's `avr` codec). On the wire: the least-significant
/// doubleword first, then the most-significant one, each big-endian — QEMU's host-order
/// array on a little-endian host, which is what every fixture stream shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Avr(pub u128);

impl Field for Avr {
    const ELEM: Elem = Elem::Leaf(Info {
        name: "avr",
        size: 16,
    });
    const COUNT: usize = 1;
    fn put(&mut self, w: &mut Writer<'_>, _cx: &Context) -> vmstate::Result<()> {
        w.put_be64(self.0 as u64);
        w.put_be64((self.0 >> 64) as u64);
        Ok(())
    }
    fn get(&mut self, r: &mut Reader<'_>, _cx: &Context) -> vmstate::Result<()> {
        let lo = r.get_be64()?;
        let hi = r.get_be64()?;
        self.0 = (u128::from(hi) << 64) | u128::from(lo);
        Ok(())
    }
}

/// The architected VSCR (QEMU's `cpu/altivec/vscr` getter/setter codec).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Vscr(pub u32);

impl Field for Vscr {
    const ELEM: Elem = Elem::Leaf(Info {
        name: "cpu/altivec/vscr",
        size: 4,
    });
    const COUNT: usize = 1;
    fn put(&mut self, w: &mut Writer<'_>, _cx: &Context) -> vmstate::Result<()> {
        w.put_be32(self.0);
        Ok(())
    }
    fn get(&mut self, r: &mut Reader<'_>, _cx: &Context) -> vmstate::Result<()> {
        self.0 = r.get_be32()?;
        Ok(())
    }
}

/// An SLB entry (QEMU's `slbe` codec): ESID then VSID.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Slbe {
    /// ESID, with the valid bit.
    pub esid: u64,
    /// VSID and flags.
    pub vsid: u64,
}

impl Field for Slbe {
    const ELEM: Elem = Elem::Leaf(Info {
        name: "slbe",
        size: 16,
    });
    const COUNT: usize = 1;
    fn put(&mut self, w: &mut Writer<'_>, _cx: &Context) -> vmstate::Result<()> {
        w.put_be64(self.esid);
        w.put_be64(self.vsid);
        Ok(())
    }
    fn get(&mut self, r: &mut Reader<'_>, _cx: &Context) -> vmstate::Result<()> {
        self.esid = r.get_be64()?;
        self.vsid = r.get_be64()?;
        Ok(())
    }
}

/// `cpu/fpu`: the FPRs and the FPSCR.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "cpu/fpu", version = 1, minimum_version = 1)]
pub struct FpuState {
    /// FPR i = doubleword 0 of VSR i.
    #[vmstate(name = "env.vsr")]
    pub fpr: [Fpr; 32],
    /// FPSCR.
    #[vmstate(name = "env.fpscr", target_ulong)]
    pub fpscr: u64,
}

/// `cpu/altivec`: VR0–VR31 (VSR 32–63) and the VSCR.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "cpu/altivec", version = 1, minimum_version = 1)]
pub struct AltivecState {
    /// VR i = VSR 32 + i.
    #[vmstate(name = "env.vsr")]
    pub vr: [Avr; 32],
    /// VSCR.
    pub vscr: Vscr,
}

/// `cpu/vsx`: doubleword 1 of VSR 0–31.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "cpu/vsx", version = 1, minimum_version = 1)]
pub struct VsxState {
    /// Low doubleword of VSR i.
    #[vmstate(name = "env.vsr")]
    pub vsrl: [VsrLow; 32],
}

/// `cpu/sr`: segment registers (CPUs without a 64-bit MMU).
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "cpu/sr", version = 1, minimum_version = 1)]
pub struct SrState {
    /// SR0–SR15 and the rest of QEMU's 32-entry array.
    #[vmstate(name = "env.sr", target_ulong)]
    pub sr: [u64; 32],
}

/// `cpu/tm`: checkpointed state of an active or suspended transaction.
#[derive(Clone, Debug, PartialEq, Eq, VmState)]
#[vmstate(name = "cpu/tm", version = 1, minimum_version = 1)]
#[allow(missing_docs)]
pub struct TmState {
    #[vmstate(name = "env.tm_gpr")]
    pub gpr: [u64; 32],
    /// Carried opaquely (QEMU writes checkpointed VSR 32–63 and what follows them).
    #[vmstate(name = "env.tm_vsr")]
    pub vsr: [Avr; 64],
    #[vmstate(name = "env.tm_cr")]
    pub cr: u64,
    #[vmstate(name = "env.tm_lr")]
    pub lr: u64,
    #[vmstate(name = "env.tm_ctr")]
    pub ctr: u64,
    #[vmstate(name = "env.tm_fpscr")]
    pub fpscr: u64,
    #[vmstate(name = "env.tm_amr")]
    pub amr: u64,
    #[vmstate(name = "env.tm_ppr")]
    pub ppr: u64,
    #[vmstate(name = "env.tm_vrsave")]
    pub vrsave: u64,
    #[vmstate(name = "env.tm_vscr")]
    pub vscr: u32,
    #[vmstate(name = "env.tm_dscr")]
    pub dscr: u64,
    #[vmstate(name = "env.tm_tar")]
    pub tar: u64,
}

impl Default for TmState {
    fn default() -> Self {
        TmState {
            gpr: [0; 32],
            vsr: [Avr::default(); 64],
            cr: 0,
            lr: 0,
            ctr: 0,
            fpscr: 0,
            amr: 0,
            ppr: 0,
            vrsave: 0,
            vscr: 0,
            dscr: 0,
            tar: 0,
        }
    }
}

/// `cpu/slb`: the 64 SLB entries (and, for pseries-2.12 and older, the SLB size).
#[derive(Clone, Debug, PartialEq, Eq, VmState)]
#[vmstate(name = "cpu/slb", version = 1, minimum_version = 1)]
pub struct SlbState {
    /// The model's SLB size, sent only to pre-3.0 machine types (scratch on load).
    #[vmstate(if_compat = "pre-3.0-migration")]
    pub mig_slb_nr: i32,
    /// SLB entries; all 64 travel whatever the model implements.
    #[vmstate(name = "env.slb")]
    pub slb: [Slbe; 64],
}

impl Default for SlbState {
    fn default() -> Self {
        SlbState {
            mig_slb_nr: 0,
            slb: [Slbe::default(); 64],
        }
    }
}

/// One 6xx software TLB entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "cpu/tlb6xx_entry", version = 1, minimum_version = 1)]
#[allow(missing_docs)]
pub struct Tlb6xxEntry {
    #[vmstate(target_ulong)]
    pub pte0: u64,
    #[vmstate(target_ulong)]
    pub pte1: u64,
    #[vmstate(name = "EPN", target_ulong)]
    pub epn: u64,
}

/// One embedded (BookE 4xx) software TLB entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "cpu/tlbemb_entry", version = 1, minimum_version = 1)]
#[allow(missing_docs)]
pub struct TlbEmbEntry {
    #[vmstate(name = "RPN")]
    pub rpn: u64,
    #[vmstate(name = "EPN")]
    pub epn: u64,
    #[vmstate(name = "PID")]
    pub pid: u64,
    pub size: u64,
    pub prot: u32,
    pub attr: u32,
}

/// One BookE 2.06 MAS TLB entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "cpu/tlbmas_entry", version = 1, minimum_version = 1)]
#[allow(missing_docs)]
pub struct TlbMasEntry {
    pub mas8: u32,
    pub mas1: u32,
    pub mas2: u64,
    pub mas7_3: u64,
}

/// Largest software TLB the loader accepts (QEMU's models have at most a few hundred).
pub const MAX_SOFT_TLB: usize = 1024;

/// `cpu/tlb6xx`: a 6xx software TLB (never on pseries).
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "cpu/tlb6xx", version = 1, minimum_version = 1)]
#[allow(missing_docs)]
pub struct Tlb6xxState {
    /// Must equal the destination's TLB size.
    #[vmstate(name = "env.nb_tlb", equal)]
    pub nb_tlb: i32,
    #[vmstate(name = "env.tlb.tlb6", varray(count = nb_tlb, max = 1024))]
    pub tlb: Vec<Tlb6xxEntry>,
    #[vmstate(name = "env.tgpr")]
    pub tgpr: [u64; 4],
}

/// `cpu/tlbemb` (QEMU 7.2 names it `cpu/tlb6xx` too, a bug fixed in 2024; embedded CPUs
/// only, never on pseries).
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "cpu/tlbemb", version = 1, minimum_version = 1)]
#[allow(missing_docs)]
pub struct TlbEmbState {
    #[vmstate(name = "env.nb_tlb", equal)]
    pub nb_tlb: i32,
    #[vmstate(name = "env.tlb.tlbe", varray(count = nb_tlb, max = 1024))]
    pub tlb: Vec<TlbEmbEntry>,
}

/// `cpu/tlbmas`: a BookE MAS TLB (never on pseries).
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "cpu/tlbmas", version = 1, minimum_version = 1)]
#[allow(missing_docs)]
pub struct TlbMasState {
    #[vmstate(name = "env.nb_tlb", equal)]
    pub nb_tlb: i32,
    #[vmstate(name = "env.tlb.tlbm", varray(count = nb_tlb, max = 1024))]
    pub tlb: Vec<TlbMasEntry>,
}

/// `cpu/compat`: the logical PVR of the architected mode the vCPU runs in.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "cpu/compat", version = 1, minimum_version = 1)]
pub struct CompatState {
    /// Logical PVR (0 = raw mode).
    pub compat_pvr: u32,
}

/// Which software TLB a model has (none for every server CPU).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SoftTlb {
    /// Hardware-walked MMU.
    #[default]
    None,
    /// 6xx software TLB.
    Tlb6xx,
    /// Embedded 4xx TLB.
    Embedded,
    /// BookE MAS TLB.
    Mas,
}
