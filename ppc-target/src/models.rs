//! CPU models as data: names and aliases as QEMU spells them, PVRs, families, facilities,
//! and the PVR match rule a destination applies to a raw-mode source (spec §2).

use std::fmt;

/// An ISA level (Power ISA version), ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IsaLevel {
    /// PowerPC 2.01 (970).
    V2_01,
    /// Power ISA 2.02 (POWER5+).
    V2_02,
    /// Power ISA 2.05 (POWER6).
    V2_05,
    /// Power ISA 2.06 (POWER7).
    V2_06,
    /// Power ISA 2.07 (POWER8).
    V2_07,
    /// Power ISA 3.0 (POWER9).
    V3_0,
    /// Power ISA 3.1 (POWER10).
    V3_1,
}

impl fmt::Display for IsaLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IsaLevel::V2_01 => "2.01",
            IsaLevel::V2_02 => "2.02",
            IsaLevel::V2_05 => "2.05",
            IsaLevel::V2_06 => "2.06",
            IsaLevel::V2_07 => "2.07",
            IsaLevel::V3_0 => "3.0",
            IsaLevel::V3_1 => "3.1",
        })
    }
}

/// A CPU family class: decides PVR matching and which compat modes the PCR supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// PowerPC 750 (G3), a 32-bit CPU (g3beige).
    Ppc750,
    /// PowerPC 7400 (G4), a 32-bit CPU (mac99).
    Ppc7400,
    /// PowerPC 970 family (mac99).
    Ppc970,
    /// POWER5+.
    Power5p,
    /// POWER7 and POWER7+.
    Power7,
    /// POWER8E, POWER8, POWER8NVL.
    Power8,
    /// POWER9.
    Power9,
    /// POWER10.
    Power10,
}

/// PCR version bits (LSB-0 values, spec §0).
pub mod pcr {
    /// ISA 2.05 compatibility.
    pub const V2_05: u64 = 0x02;
    /// ISA 2.06 compatibility.
    pub const V2_06: u64 = 0x04;
    /// ISA 2.07 compatibility.
    pub const V2_07: u64 = 0x08;
    /// ISA 3.0 compatibility.
    pub const V3_00: u64 = 0x10;
    /// ISA 3.1 compatibility.
    pub const V3_10: u64 = 0x20;
    /// Transactional memory disabled.
    pub const TM_DIS: u64 = 0x2000_0000_0000_0000;
    /// VSX disabled.
    pub const VSX_DIS: u64 = 0x4000_0000_0000_0000;
    /// VMX disabled.
    pub const VEC_DIS: u64 = 0x8000_0000_0000_0000;
}

impl Family {
    /// Bits this family's PCR implements.
    pub const fn pcr_mask(self) -> u64 {
        match self {
            Family::Power7 => pcr::VEC_DIS | pcr::VSX_DIS | pcr::V2_05,
            Family::Power8 => pcr::TM_DIS | pcr::V2_06 | pcr::V2_05,
            Family::Power9 => pcr::V2_05 | pcr::V2_06 | pcr::V2_07,
            Family::Power10 => pcr::V2_05 | pcr::V2_06 | pcr::V2_07 | pcr::V3_00,
            _ => 0,
        }
    }

    /// Compat levels (PCR level bits) this family can run.
    pub const fn pcr_supported(self) -> u64 {
        match self {
            Family::Power7 => pcr::V2_05 | pcr::V2_06,
            Family::Power8 => pcr::V2_05 | pcr::V2_06 | pcr::V2_07,
            Family::Power9 => pcr::V2_05 | pcr::V2_06 | pcr::V2_07 | pcr::V3_00,
            Family::Power10 => pcr::V2_05 | pcr::V2_06 | pcr::V2_07 | pcr::V3_00 | pcr::V3_10,
            _ => 0,
        }
    }
}

/// Facilities a model implements (what decides subsections and instruction availability).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facilities {
    /// Classic floating point (cpu/fpu).
    pub fpu: bool,
    /// VMX / AltiVec (cpu/altivec).
    pub vmx: bool,
    /// VSX (cpu/vsx).
    pub vsx: bool,
    /// A 64-bit hash MMU with an SLB (cpu/slb); otherwise segment registers (cpu/sr).
    pub mmu64: bool,
    /// `isel` (absent on POWER5+).
    pub isel: bool,
    /// Number of SLB entries the MMU implements.
    pub slb_size: u32,
}

/// A CPU model (QEMU's `-cpu` value).
#[derive(Debug, PartialEq, Eq)]
pub struct CpuModel {
    /// QEMU's canonical model name (lower case).
    pub name: &'static str,
    /// Other names QEMU accepts.
    pub aliases: &'static [&'static str],
    /// Family class.
    pub family: Family,
    /// Processor Version Register value.
    pub pvr: u32,
    /// Native ISA level.
    pub isa: IsaLevel,
    /// Implemented facilities.
    pub facilities: Facilities,
    /// QEMU's implemented-MSR mask with `MSR[TS]` cleared (the pre-2.8 `mig_msr_mask`).
    pub mig_msr_mask: u64,
    /// The pre-2.8 `mig_insns_flags` value for this model.
    pub mig_insns_flags: u64,
    /// The pre-2.8 `mig_insns_flags2` value for this model.
    pub mig_insns_flags2: u64,
}

impl fmt::Display for CpuModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

const SERVER: Facilities = Facilities {
    fpu: true,
    vmx: true,
    vsx: true,
    mmu64: true,
    isel: true,
    slb_size: 32,
};

/// Every model, as QEMU 7.2 defines them.
pub static MODELS: &[CpuModel] = &[
    CpuModel {
        name: "750_v3.1",
        aliases: &["750", "g3", "typhoon"],
        family: Family::Ppc750,
        pvr: 0x0008_0301,
        isa: IsaLevel::V2_01,
        facilities: Facilities {
            fpu: true,
            vmx: false,
            vsx: false,
            mmu64: false,
            isel: false,
            slb_size: 0,
        },
        mig_msr_mask: 0,
        mig_insns_flags: 0,
        mig_insns_flags2: 0,
    },
    CpuModel {
        name: "7400_v2.9",
        aliases: &["7400", "g4"],
        family: Family::Ppc7400,
        pvr: 0x000C_0209,
        isa: IsaLevel::V2_01,
        facilities: Facilities {
            fpu: true,
            vmx: true,
            vsx: false,
            mmu64: false,
            isel: false,
            slb_size: 0,
        },
        mig_msr_mask: 0,
        mig_insns_flags: 0,
        mig_insns_flags2: 0,
    },
    CpuModel {
        name: "970fx_v3.1",
        aliases: &["970fx", "ppc64"],
        family: Family::Ppc970,
        pvr: 0x003C_0301,
        isa: IsaLevel::V2_01,
        facilities: Facilities {
            fpu: true,
            vmx: true,
            vsx: false,
            mmu64: true,
            isel: false,
            slb_size: 64,
        },
        mig_msr_mask: 0,
        mig_insns_flags: 0,
        mig_insns_flags2: 0,
    },
    CpuModel {
        name: "power5p_v2.1",
        aliases: &["power5+", "power5+_v2.1", "power5gs"],
        family: Family::Power5p,
        pvr: 0x003B_0201,
        isa: IsaLevel::V2_02,
        facilities: Facilities {
            fpu: true,
            vmx: false,
            vsx: false,
            mmu64: true,
            isel: false,
            slb_size: 64,
        },
        mig_msr_mask: 0x8000_0000_0000_FF37,
        mig_insns_flags: 0x0000_600F_E0DF_3221,
        mig_insns_flags2: 0x0021_0000,
    },
    CpuModel {
        name: "power7_v2.3",
        aliases: &["power7"],
        family: Family::Power7,
        pvr: 0x003F_0203,
        isa: IsaLevel::V2_06,
        facilities: SERVER,
        mig_msr_mask: 0x8000_0000_0280_FF37,
        mig_insns_flags: 0x8000_600F_E1FF_3A61,
        mig_insns_flags2: 0x0021_0FB6,
    },
    CpuModel {
        name: "power7p_v2.1",
        aliases: &["power7+", "power7+_v2.1"],
        family: Family::Power7,
        pvr: 0x004A_0201,
        isa: IsaLevel::V2_06,
        facilities: SERVER,
        mig_msr_mask: 0x8000_0000_0280_FF37,
        mig_insns_flags: 0x8000_600F_E1FF_3A61,
        mig_insns_flags2: 0x0021_0FB6,
    },
    CpuModel {
        name: "power8e_v2.1",
        aliases: &["power8e"],
        family: Family::Power8,
        pvr: 0x004B_0201,
        isa: IsaLevel::V2_07,
        facilities: SERVER,
        mig_msr_mask: 0x8000_0001_0280_FF37,
        mig_insns_flags: 0x8000_600F_E1FF_3A61,
        mig_insns_flags2: 0x0023_FFF6,
    },
    CpuModel {
        name: "power8_v2.0",
        aliases: &["power8"],
        family: Family::Power8,
        pvr: 0x004D_0200,
        isa: IsaLevel::V2_07,
        facilities: SERVER,
        mig_msr_mask: 0x8000_0001_0280_FF37,
        mig_insns_flags: 0x8000_600F_E1FF_3A61,
        mig_insns_flags2: 0x0023_FFF6,
    },
    CpuModel {
        name: "power8nvl_v1.0",
        aliases: &["power8nvl"],
        family: Family::Power8,
        pvr: 0x004C_0100,
        isa: IsaLevel::V2_07,
        facilities: SERVER,
        mig_msr_mask: 0x8000_0001_0280_FF37,
        mig_insns_flags: 0x8000_600F_E1FF_3A61,
        mig_insns_flags2: 0x0023_FFF6,
    },
    CpuModel {
        name: "power9_v1.0",
        aliases: &[],
        family: Family::Power9,
        pvr: 0x004E_0100,
        isa: IsaLevel::V3_0,
        facilities: SERVER,
        mig_msr_mask: 0x8000_0001_0280_FF37,
        mig_insns_flags: 0x8000_600F_E1FF_3A61,
        mig_insns_flags2: 0x0023_FFF6,
    },
    CpuModel {
        name: "power9_v2.0",
        aliases: &["power9"],
        family: Family::Power9,
        pvr: 0x004E_1200,
        isa: IsaLevel::V3_0,
        facilities: SERVER,
        mig_msr_mask: 0x8000_0001_0280_FF37,
        mig_insns_flags: 0x8000_600F_E1FF_3A61,
        mig_insns_flags2: 0x0023_FFF6,
    },
    CpuModel {
        name: "power10_v1.0",
        aliases: &[],
        family: Family::Power10,
        pvr: 0x0080_0100,
        isa: IsaLevel::V3_1,
        facilities: SERVER,
        mig_msr_mask: 0x8000_0001_0280_FF37,
        mig_insns_flags: 0x8000_600F_E1FF_3A61,
        mig_insns_flags2: 0x0023_FFF6,
    },
    CpuModel {
        name: "power10_v2.0",
        aliases: &["power10"],
        family: Family::Power10,
        pvr: 0x0080_0200,
        isa: IsaLevel::V3_1,
        facilities: SERVER,
        mig_msr_mask: 0x8000_0001_0280_FF37,
        mig_insns_flags: 0x8000_600F_E1FF_3A61,
        mig_insns_flags2: 0x0023_FFF6,
    },
];

impl CpuModel {
    /// Looks a model up by name or alias, in any case (`power9`, `POWER9`,
    /// `power9_v2.0`).
    ///
    /// ```
    /// use ppc_target::models::CpuModel;
    /// assert_eq!(CpuModel::by_name("POWER9").unwrap().pvr, 0x004e1200);
    /// assert_eq!(CpuModel::by_name("power7+").unwrap().name, "power7p_v2.1");
    /// assert!(CpuModel::by_name("power11").is_none());
    /// ```
    pub fn by_name(name: &str) -> Option<&'static CpuModel> {
        let name = name.to_ascii_lowercase();
        MODELS
            .iter()
            .find(|m| m.name == name || m.aliases.iter().any(|a| *a == name))
    }

    /// The model whose PVR is exactly `pvr`.
    pub fn by_pvr(pvr: u32) -> Option<&'static CpuModel> {
        MODELS.iter().find(|m| m.pvr == pvr)
    }

    /// The POWER9 (DD2.0) model, the default.
    pub fn power9() -> &'static CpuModel {
        Self::by_name("power9").expect("power9 is in the table")
    }

    /// Whether this model, as a migration destination in raw mode, accepts a source
    /// whose PVR is `pvr`: exact match, or QEMU 7.2's "best match" for the family
    /// (spec §2.3): POWER7/POWER8 need the same base, POWER9/POWER10 the same base and
    /// major DD level, everything else the exact PVR.
    ///
    /// ```
    /// use ppc_target::models::CpuModel;
    /// let p9 = CpuModel::by_name("power9").unwrap();
    /// assert!(p9.accepts_pvr(0x004e1203));  // DD2.3 KVM host: same base and major DD
    /// assert!(!p9.accepts_pvr(0x004e0100)); // DD1
    /// assert!(!CpuModel::by_name("power8").unwrap().accepts_pvr(0x004b0201)); // POWER8E
    /// ```
    pub fn accepts_pvr(&self, pvr: u32) -> bool {
        if pvr == self.pvr {
            return true;
        }
        let same_base = pvr & 0xFFFF_0000 == self.pvr & 0xFFFF_0000;
        match self.family {
            Family::Power7 | Family::Power8 => same_base,
            Family::Power9 | Family::Power10 => same_base && pvr & 0x0F00 == self.pvr & 0x0F00,
            Family::Power5p | Family::Ppc970 | Family::Ppc750 | Family::Ppc7400 => false,
        }
    }
}
