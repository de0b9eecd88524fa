//! The VMX/VSX loads and stores of whole registers and the VSCR moves (big-endian
//! element order: the bytes in memory are the register's bytes, most significant first).

use crate::decode::{Vector, VsrMove};
use crate::mem::{Fault, Memory};
use crate::state::CpuState;

impl CpuState {
    /// VSR `x` (0–63) as a 128-bit value: doubleword 0 in the high half.
    pub fn vsr(&self, x: u8) -> u128 {
        match x & 63 {
            x @ 0..32 => {
                (u128::from(self.fpu.fpr[x as usize].0) << 64)
                    | u128::from(self.vsx.vsrl[x as usize].0)
            }
            x => self.altivec.vr[(x - 32) as usize].0,
        }
    }

    /// Sets VSR `x` (0–63).
    pub fn set_vsr(&mut self, x: u8, v: u128) {
        match x & 63 {
            x @ 0..32 => {
                self.fpu.fpr[x as usize].0 = (v >> 64) as u64;
                self.vsx.vsrl[x as usize].0 = v as u64;
            }
            x => self.altivec.vr[(x - 32) as usize].0 = v,
        }
    }

    pub(super) fn vector(&mut self, op: Vector, mem: &mut Memory) -> Result<(), Fault> {
        let ea = |cpu: &Self, ra: u8, rb: u8| cpu.ea(ra, Some(rb), 0);
        match op {
            Vector::Lvx { vrt, ra, rb } => {
                let v = mem.read::<16>(ea(self, ra, rb) & !15)?;
                self.altivec.vr[(vrt & 31) as usize].0 = u128::from_be_bytes(v);
            }
            Vector::Stvx { vrs, ra, rb } => {
                let v = self.altivec.vr[(vrs & 31) as usize].0;
                mem.write(ea(self, ra, rb) & !15, &v.to_be_bytes())?;
            }
            Vector::Lxv { xt, ra, rb, .. } => {
                let v = mem.read::<16>(ea(self, ra, rb))?;
                self.set_vsr(xt, u128::from_be_bytes(v));
            }
            Vector::Stxv { xs, ra, rb, .. } => {
                mem.write(ea(self, ra, rb), &self.vsr(xs).to_be_bytes())?;
            }
            Vector::Mtvscr { vrb } => {
                self.altivec.vscr.0 = self.altivec.vr[(vrb & 31) as usize].0 as u32;
            }
            Vector::Mfvscr { vrt } => {
                self.altivec.vr[(vrt & 31) as usize].0 = u128::from(self.altivec.vscr.0);
            }
        }
        Ok(())
    }

    /// GPR ↔ doubleword 0 of a VSR (the FPR for 0–31, the VR's high half for 32–63).
    pub(super) fn vsr_move(&mut self, op: VsrMove, xs: u8, ra: u8) {
        let dw0 = |cpu: &Self| -> u64 {
            match xs & 63 {
                x @ 0..32 => cpu.fpu.fpr[x as usize].0,
                x => (cpu.altivec.vr[(x - 32) as usize].0 >> 64) as u64,
            }
        };
        let g = self.gpr[(ra & 31) as usize];
        let v = match op {
            VsrMove::Mfvsrd => {
                self.gpr[(ra & 31) as usize] = dw0(self);
                return;
            }
            VsrMove::Mfvsrwz => {
                self.gpr[(ra & 31) as usize] = dw0(self) & 0xFFFF_FFFF;
                return;
            }
            VsrMove::Mtvsrd => g,
            VsrMove::Mtvsrwa => g as i32 as i64 as u64,
            VsrMove::Mtvsrwz => g & 0xFFFF_FFFF,
        };
        // Doubleword 1 is left as it was (QEMU 7.2).
        match xs & 63 {
            x @ 0..32 => self.fpu.fpr[x as usize].0 = v,
            x => {
                let r = &mut self.altivec.vr[(x - 32) as usize].0;
                *r = (*r & u128::from(u64::MAX)) | u128::from(v) << 64;
            }
        }
    }
}
