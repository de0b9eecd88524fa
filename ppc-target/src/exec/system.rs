//! Book III: the supervisor-level instructions (MSR moves, `rfid`, the SLB), the
//! privileged SPRs, the time base and decrementer, and interrupt delivery. User mode
//! runs with MSR\[PR\] set, so everything here is a privileged-instruction program
//! interrupt there, as on hardware.

use std::sync::OnceLock;
use std::time::Instant;

use super::Exception;
use crate::decode::Sys;
use crate::models::IsaLevel;
use crate::state::{msr, spr, CpuState, Slbe};

/// The time base frequency of QEMU's pseries machine (512 MHz).
pub const TB_FREQ: u64 = 512_000_000;

/// Host time in time-base ticks since the first call in this process.
pub fn host_ticks() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let ns = EPOCH.get_or_init(Instant::now).elapsed().as_nanos();
    (ns * u128::from(TB_FREQ) / 1_000_000_000) as u64
}

/// Interrupt vectors (real addresses) and the SRR1 reason bits of a program interrupt.
pub mod vector {
    /// Data storage.
    pub const DSI: u64 = 0x300;
    /// Instruction storage.
    pub const ISI: u64 = 0x400;
    /// Alignment.
    pub const ALIGNMENT: u64 = 0x600;
    /// Program (illegal, privileged, trap).
    pub const PROGRAM: u64 = 0x700;
    /// Floating point unavailable.
    pub const FP_UNAVAILABLE: u64 = 0x800;
    /// Decrementer.
    pub const DECREMENTER: u64 = 0x900;
    /// System call.
    pub const SYSCALL: u64 = 0xC00;
    /// Vector unavailable.
    pub const VEC_UNAVAILABLE: u64 = 0xF20;
    /// VSX unavailable.
    pub const VSX_UNAVAILABLE: u64 = 0xF40;
    /// SRR1: illegal instruction.
    pub const SRR1_ILLEGAL: u64 = 1 << 19;
    /// SRR1: privileged instruction.
    pub const SRR1_PRIVILEGED: u64 = 1 << 18;
    /// SRR1: trap.
    pub const SRR1_TRAP: u64 = 1 << 17;
}

/// The MSR bits a block's code depends on (decoding checks the facilities, the run loop
/// picks the 64- or 32-bit executor).
pub const MODE_BITS: u64 = msr::SF | msr::PR | msr::FP | msr::VEC | msr::VSX | msr::LE;

/// SRR1 bits that interrupts set rather than copy from the MSR (33:36 and 42:47).
const SRR1_REASON: u64 = 0x0000_0000_783F_0000;

impl CpuState {
    /// Whether the CPU is in problem (user) state.
    #[inline]
    pub fn problem_state(&self) -> bool {
        self.msr & msr::PR != 0
    }

    /// The time base now.
    pub fn timebase(&self) -> u64 {
        host_ticks().wrapping_add(self.tb_offset)
    }

    /// Sets the time base to `tb` from now on.
    pub fn set_timebase(&mut self, tb: u64) {
        self.tb_offset = tb.wrapping_sub(host_ticks());
    }

    /// The decrementer now (a signed 32-bit count down at the time-base frequency).
    pub fn decrementer(&self) -> u64 {
        self.dec_at.wrapping_sub(self.timebase()) as u32 as i32 as i64 as u64
    }

    /// Whether the decrementer has passed zero since it was last written.
    pub fn decrementer_expired(&self) -> bool {
        self.dec_armed && (self.timebase().wrapping_sub(self.dec_at) as i64) >= 0
    }

    /// Whether the instruction needs supervisor state (raised as privileged).
    fn supervisor(&self) -> Result<(), Exception> {
        if self.problem_state() {
            Err(Exception::Privileged)
        } else {
            Ok(())
        }
    }

    /// Who may read (`write` false) or write SPR `n`: `Ok(())`, privileged (supervisor
    /// SPRs from problem state) or illegal (SPRs outside the subset).
    pub(super) fn spr_access(&self, n: u16, write: bool) -> Result<(), Exception> {
        let n = n as usize;
        let user = match n {
            spr::XER | spr::LR | spr::CTR | spr::VRSAVE => true,
            spr::TB | spr::TBU => !write,
            spr::TAR => self.isa >= IsaLevel::V2_07,
            spr::DSISR
            | spr::DAR
            | spr::DEC
            | spr::SRR0
            | spr::SRR1
            | spr::CFAR
            | spr::SPRG0..=spr::SPRG3
            | spr::PIR
                if !(write && n == spr::PIR) =>
            {
                return self.supervisor();
            }
            spr::PVR if !write => return self.supervisor(),
            _ if n & 0x10 != 0 => return Err(Exception::Privileged),
            _ => false,
        };
        if user {
            Ok(())
        } else {
            Err(Exception::Illegal)
        }
    }

    /// `mfspr` of an SPR kept outside the array or computed.
    pub(super) fn read_spr(&self, n: usize) -> u64 {
        match n {
            spr::XER => self.mfxer(),
            spr::LR => self.lr,
            spr::CTR => self.ctr,
            spr::CFAR => self.cfar,
            spr::DEC => self.decrementer(),
            spr::TB => self.timebase(),
            spr::TBU => self.timebase() >> 32,
            _ => self.spr[n],
        }
    }

    /// Executes a supervisor-level instruction; returns the next instruction address.
    pub(super) fn system(&mut self, op: Sys, cia: u64) -> Result<u64, Exception> {
        self.supervisor()?;
        match op {
            Sys::Mfmsr { rt } => self.gpr[(rt & 31) as usize] = self.msr,
            Sys::Mtmsr { rs, l, sf } => {
                let v = self.gpr[(rs & 31) as usize];
                self.msr = if l {
                    (self.msr & !(msr::EE | msr::RI)) | (v & (msr::EE | msr::RI))
                } else {
                    // HV and ME are not changed by a guest (QEMU's mtmsr/mtmsrd on a
                    // pseries vCPU); mtmsr keeps the upper word.
                    let keep = msr::HV | msr::ME | if sf { 0 } else { 0xFFFF_FFFF_0000_0000 };
                    problem_state_rule((self.msr & keep) | (v & !keep))
                };
            }
            Sys::Rfid => {
                let srr1 = self.spr[spr::SRR1];
                let keep = msr::HV | msr::ME;
                self.msr = problem_state_rule((self.msr & keep) | (srr1 & !keep));
                let to = self.spr[spr::SRR0] & !3;
                return Ok(if self.msr & msr::SF == 0 {
                    to & 0xFFFF_FFFF
                } else {
                    to
                });
            }
            Sys::Slbmte { rs, rb } => {
                let b = self.gpr[(rb & 31) as usize];
                let i = (b & 0xFFF) as usize;
                if i >= self.model.facilities.slb_size as usize {
                    return Err(Exception::Illegal);
                }
                self.slb.slb[i] = Slbe {
                    esid: b & !0xFFF,
                    vsid: self.gpr[(rs & 31) as usize],
                };
            }
            Sys::Slbmfee { rt, rb } | Sys::Slbmfev { rt, rb } => {
                let i = (self.gpr[(rb & 31) as usize] & 0xFFF) as usize;
                let e = self.slb.slb.get(i).copied().unwrap_or_default();
                self.gpr[(rt & 31) as usize] = if matches!(op, Sys::Slbmfee { .. }) {
                    e.esid
                } else {
                    e.vsid
                };
            }
            Sys::Slbie { rb } => {
                let esid = self.gpr[(rb & 31) as usize] >> 28;
                for e in &mut self.slb.slb {
                    if e.esid & SLB_VALID != 0 && e.esid >> 28 == esid {
                        e.esid &= !SLB_VALID;
                    }
                }
            }
            Sys::Slbia => {
                for e in self.slb.slb.iter_mut().skip(1) {
                    e.esid &= !SLB_VALID;
                }
            }
        }
        Ok(cia + 4)
    }

    /// Takes an interrupt: SRR0 ← `srr0`, SRR1 ← the MSR with `reason` in its
    /// interrupt-specific bits, then the MSR an interrupt leaves (64-bit, supervisor,
    /// relocation and facilities off, HV and ME kept) and NIA ← `vector`.
    pub fn interrupt(&mut self, vector: u64, srr0: u64, reason: u64) {
        self.spr[spr::SRR0] = srr0;
        self.spr[spr::SRR1] = (self.msr & !SRR1_REASON) | (reason & SRR1_REASON);
        let ile = self.spr[spr::LPCR] & LPCR_ILE != 0;
        self.msr = (self.msr & (msr::HV | msr::ME)) | msr::SF | if ile { msr::LE } else { 0 };
        self.nip = vector;
    }
}

/// The ISA's rule for an MSR that a guest writes: problem state implies external
/// interrupts and relocation on (MSR\[PR\] = 1 sets EE, IR and DR).
fn problem_state_rule(m: u64) -> u64 {
    if m & msr::PR != 0 {
        m | msr::EE | msr::IR | msr::DR
    } else {
        m
    }
}

/// SLB entry valid bit (in the ESID doubleword).
const SLB_VALID: u64 = 0x0800_0000;

/// LPCR\[ILE\]: interrupts are taken in little-endian mode.
const LPCR_ILE: u64 = 1 << 25;
