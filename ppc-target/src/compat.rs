//! Architected compatibility modes (spec §3) and pseries machine types with their
//! migration compat flags (spec §6): what an older peer accepts.

use std::fmt;

use vmstate::Context;

use crate::models::{pcr, CpuModel, IsaLevel};

/// An architected compatibility mode (QEMU's `max-cpu-compat` values).
#[derive(Debug, PartialEq, Eq)]
pub struct CompatMode {
    /// Property value (`power8`).
    pub name: &'static str,
    /// Logical PVR (`0x0f000004`).
    pub pvr: u32,
    /// The PCR word of the table (all version bits from this level upward).
    pub pcr: u64,
    /// The level bit that the destination's family must support.
    pub level_bit: u64,
    /// The ISA level a guest in this mode runs at.
    pub isa: IsaLevel,
}

/// The compat table, oldest first (the order matters for min/max checks), as in QEMU 7.2.
pub static COMPAT_MODES: &[CompatMode] = &[
    CompatMode {
        name: "power6",
        pvr: 0x0F00_0002,
        pcr: 0x6000_0000_0000_003E,
        level_bit: pcr::V2_05,
        isa: IsaLevel::V2_05,
    },
    CompatMode {
        name: "power7",
        pvr: 0x0F00_0003,
        pcr: 0x2000_0000_0000_003C,
        level_bit: pcr::V2_06,
        isa: IsaLevel::V2_06,
    },
    CompatMode {
        name: "power7+",
        pvr: 0x0F10_0003,
        pcr: 0x2000_0000_0000_003C,
        level_bit: pcr::V2_06,
        isa: IsaLevel::V2_06,
    },
    CompatMode {
        name: "power8",
        pvr: 0x0F00_0004,
        pcr: 0x38,
        level_bit: pcr::V2_07,
        isa: IsaLevel::V2_07,
    },
    CompatMode {
        name: "power9",
        pvr: 0x0F00_0005,
        pcr: 0x30,
        level_bit: pcr::V3_00,
        isa: IsaLevel::V3_0,
    },
    CompatMode {
        name: "power10",
        pvr: 0x0F00_0006,
        pcr: 0x20,
        level_bit: pcr::V3_10,
        isa: IsaLevel::V3_1,
    },
];

/// Why a compat mode cannot be set.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompatError {
    /// The logical PVR is not in the table.
    UnknownPvr(u32),
    /// The CPU cannot run that mode.
    NotValidForCpu {
        /// The mode's logical PVR.
        pvr: u32,
        /// The CPU model.
        model: &'static str,
    },
    /// A mode name that is not in the table.
    UnknownName(String),
}

impl fmt::Display for CompatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The first two are QEMU's messages verbatim.
        match self {
            CompatError::UnknownPvr(p) => write!(f, "Unknown compatibility PVR 0x{p:08x}"),
            CompatError::NotValidForCpu { pvr, model } => {
                write!(
                    f,
                    "Compatibility PVR 0x{pvr:08x} not valid for CPU ({model})"
                )
            }
            CompatError::UnknownName(n) => write!(f, "Invalid compatibility mode \"{n}\""),
        }
    }
}

impl std::error::Error for CompatError {}

impl CompatMode {
    /// Looks a mode up by logical PVR.
    pub fn by_pvr(pvr: u32) -> Option<&'static CompatMode> {
        COMPAT_MODES.iter().find(|c| c.pvr == pvr)
    }

    /// Looks a mode up by name, in any case.
    ///
    /// ```
    /// use ppc_target::compat::CompatMode;
    /// assert_eq!(CompatMode::by_name("POWER8").unwrap().pvr, 0x0f000004);
    /// assert!(CompatMode::by_name("power5").is_err());
    /// ```
    pub fn by_name(name: &str) -> Result<&'static CompatMode, CompatError> {
        let lower = name.to_ascii_lowercase();
        COMPAT_MODES
            .iter()
            .find(|c| c.name == lower)
            .ok_or_else(|| CompatError::UnknownName(name.to_owned()))
    }

    /// QEMU's `ppc_check_compat(cpu, compat, 0, 0)`: whether `model` can run this mode.
    pub fn valid_for(&self, model: &CpuModel) -> bool {
        model.family.pcr_supported() & self.level_bit != 0
    }

    /// The PCR a CPU of `model` gets in this mode (table word masked by the family's PCR).
    ///
    /// ```
    /// use ppc_target::{compat::CompatMode, models::CpuModel};
    /// let p8 = CompatMode::by_name("power8").unwrap();
    /// assert_eq!(p8.pcr_for(CpuModel::by_name("power10").unwrap()), 0x18);
    /// assert_eq!(p8.pcr_for(CpuModel::by_name("power8").unwrap()), 0);
    /// ```
    pub fn pcr_for(&self, model: &CpuModel) -> u64 {
        self.pcr & model.family.pcr_mask()
    }
}

/// QEMU's `ppc_set_compat` decision: the PCR for logical PVR `compat` on `model`
/// (0 = raw mode, PCR 0).
pub fn check_compat(model: &CpuModel, compat: u32) -> Result<u64, CompatError> {
    if compat == 0 {
        return Ok(0);
    }
    let mode = CompatMode::by_pvr(compat).ok_or(CompatError::UnknownPvr(compat))?;
    if !mode.valid_for(model) {
        return Err(CompatError::NotValidForCpu {
            pvr: compat,
            model: model.name,
        });
    }
    Ok(mode.pcr_for(model))
}

/// The effective ISA level of a CPU: its native level lowered by the PCR (the lowest
/// version bit set), spec §5.2.
///
/// ```
/// use ppc_target::{compat::effective_isa, models::{CpuModel, IsaLevel}};
/// let p9 = CpuModel::by_name("power9").unwrap();
/// assert_eq!(effective_isa(p9, 0), IsaLevel::V3_0);
/// assert_eq!(effective_isa(p9, 0x08), IsaLevel::V2_07);
/// ```
pub fn effective_isa(model: &CpuModel, pcr_value: u64) -> IsaLevel {
    let levels = [
        (pcr::V2_05, IsaLevel::V2_05),
        (pcr::V2_06, IsaLevel::V2_06),
        (pcr::V2_07, IsaLevel::V2_07),
        (pcr::V3_00, IsaLevel::V3_0),
        (pcr::V3_10, IsaLevel::V3_1),
    ];
    let lowered = levels
        .iter()
        .find(|(bit, _)| pcr_value & bit != 0)
        .map(|&(_, l)| l);
    match lowered {
        Some(l) if l < model.isa => l,
        _ => model.isa,
    }
}

/// Machine-type compat flags (QEMU's CPU properties set by old pseries types).
pub mod flags {
    /// pseries-2.7 and older: the four `mig_*` fields travel in the main body.
    pub const PRE_2_8: &str = "pre-2.8-migration";
    /// pseries-2.9 and older: `cpu/compat` is never sent.
    pub const PRE_2_10: &str = "pre-2.10-migration";
    /// pseries-2.12 and older: `cpu/slb` starts with `mig_slb_nr`.
    pub const PRE_3_0: &str = "pre-3.0-migration";
}

/// A pseries machine type and the compat flags it sets.
#[derive(Debug, PartialEq, Eq)]
pub struct MachineType {
    /// Name (`pseries-2.9`).
    pub name: &'static str,
    /// Flags on for this type (each older type inherits the newer one's).
    pub compat: &'static [&'static str],
}

/// The pseries machine types of QEMU 7.2 that change what the CPU sends.
pub static MACHINE_TYPES: &[MachineType] = &[
    MachineType {
        name: "pseries-7.2",
        compat: &[],
    },
    MachineType {
        name: "pseries-7.1",
        compat: &[],
    },
    MachineType {
        name: "pseries-7.0",
        compat: &[],
    },
    MachineType {
        name: "pseries-6.2",
        compat: &[],
    },
    MachineType {
        name: "pseries-6.1",
        compat: &[],
    },
    MachineType {
        name: "pseries-6.0",
        compat: &[],
    },
    MachineType {
        name: "pseries-5.2",
        compat: &[],
    },
    MachineType {
        name: "pseries-5.1",
        compat: &[],
    },
    MachineType {
        name: "pseries-5.0",
        compat: &[],
    },
    MachineType {
        name: "pseries-4.2",
        compat: &[],
    },
    MachineType {
        name: "pseries-4.1",
        compat: &[],
    },
    MachineType {
        name: "pseries-4.0",
        compat: &[],
    },
    MachineType {
        name: "pseries-3.1",
        compat: &[],
    },
    MachineType {
        name: "pseries-3.0",
        compat: &[],
    },
    MachineType {
        name: "pseries-2.12",
        compat: &[flags::PRE_3_0],
    },
    MachineType {
        name: "pseries-2.12-sxxm",
        compat: &[flags::PRE_3_0],
    },
    MachineType {
        name: "pseries-2.11",
        compat: &[flags::PRE_3_0],
    },
    MachineType {
        name: "pseries-2.10",
        compat: &[flags::PRE_3_0],
    },
    MachineType {
        name: "pseries-2.9",
        compat: &[flags::PRE_3_0, flags::PRE_2_10],
    },
    MachineType {
        name: "pseries-2.8",
        compat: &[flags::PRE_3_0, flags::PRE_2_10],
    },
    MachineType {
        name: "pseries-2.7",
        compat: &[flags::PRE_3_0, flags::PRE_2_10, flags::PRE_2_8],
    },
    MachineType {
        name: "pseries-2.6",
        compat: &[flags::PRE_3_0, flags::PRE_2_10, flags::PRE_2_8],
    },
    MachineType {
        name: "pseries-2.5",
        compat: &[flags::PRE_3_0, flags::PRE_2_10, flags::PRE_2_8],
    },
    MachineType {
        name: "pseries-2.4",
        compat: &[flags::PRE_3_0, flags::PRE_2_10, flags::PRE_2_8],
    },
];

impl MachineType {
    /// Looks a machine type up; `pseries` is the newest.
    ///
    /// ```
    /// use ppc_target::compat::MachineType;
    /// let cx = MachineType::by_name("pseries-2.9").unwrap().context();
    /// assert!(cx.compat("pre-2.10-migration") && !cx.compat("pre-2.8-migration"));
    /// ```
    pub fn by_name(name: &str) -> Option<&'static MachineType> {
        let name = if name == "pseries" {
            "pseries-7.2"
        } else {
            name
        };
        MACHINE_TYPES.iter().find(|m| m.name == name)
    }

    /// The newest machine type.
    pub fn latest() -> &'static MachineType {
        &MACHINE_TYPES[0]
    }

    /// The vmstate context of this machine type: its name and compat flags.
    pub fn context(&self) -> Context {
        Context::new(self.name).with_compat_flags(self.compat.iter().copied())
    }
}

/// The context for a machine type name that is not a pseries type (mac99, g3beige):
/// no compat flags.
pub fn context_for(machine: &str) -> Context {
    match MachineType::by_name(machine) {
        Some(m) => m.context(),
        None => Context::new(machine.to_owned()),
    }
}
