//! The ppc64 CPU as QEMU migrates it: the `cpu` section state ([`CpuState`]), CPU models
//! and their PVR match rules ([`models`]), architected compat modes and pseries machine
//! types ([`compat`]).
//!
//! ```
//! use ppc_target::{CpuState, models::CpuModel, compat::MachineType};
//! use vmstate::VmState;
//!
//! // A POWER9 in power8 mode saved for a pseries-7.2 destination ...
//! let mut src = CpuState::new(CpuModel::by_name("power9").unwrap());
//! src.set_compat(0x0f000004).unwrap();
//! src.gpr[3] = 42;
//! let cx = MachineType::latest().context();
//! let mut body = Vec::new();
//! src.save(&mut body, &cx).unwrap();
//!
//! // ... is accepted by POWER8 (same compat mode), refused by POWER7.
//! let mut p8 = CpuState::new(CpuModel::by_name("power8").unwrap());
//! p8.load(&body, 5, &cx).unwrap();
//! assert_eq!(p8.gpr[3], 42);
//! let mut p7 = CpuState::new(CpuModel::by_name("power7").unwrap());
//! let err = p7.load(&body, 5, &cx).unwrap_err();
//! assert_eq!(err.to_string(), "cpu: at byte 10664: post_load failed: Compatibility PVR 0x0f000004 not valid for CPU (power7_v2.3)");
//! ```
#![warn(missing_docs)]

pub mod asm;
pub mod compat;
pub mod decode;
pub mod exec;
pub mod interp;
pub mod linux;
pub mod mem;
pub mod models;
pub mod pseries;
pub mod state;
mod threaded;

pub use state::{CpuCommon, CpuState, SpaprCpu};
