//! The pseries machine as `qemu-system-ppc64 -M pseries,x-vof=on -kernel GUEST.elf`
//! presents it to a bare-metal guest: RAM (`ppc_spapr.ram`) at physical 0, the ELF
//! placed as QEMU places it, the CPU state QEMU's VOF firmware leaves at the kernel's
//! entry, a `spapr-vty` console, hypervisor calls and RTAS (see [`super::hcall`]).
//! Translation (MSR\[IR/DR\]) is not modelled: a guest that turns it on stops with a
//! clear error rather than running with wrong addresses.

use std::collections::VecDeque;

use crate::exec::{interrupt, Exception};
use crate::interp::{Guest, LoadError, Stop};
use crate::mem::Memory;
use crate::models::CpuModel;
use crate::state::{msr, spr, CpuState};

/// The RAM block's name in QEMU's migration stream.
pub const RAM_BLOCK: &str = "ppc_spapr.ram";
/// Where QEMU loads a `-kernel` image (and where VOF enters it).
pub const KERNEL_LOAD_ADDR: u64 = 0x40_0000;
/// The `reg` of the first `spapr-vty` (the NVRAM holds 0x71000000).
pub const VTY_REG: u64 = 0x7100_0001;
/// Where VOF's client-interface entry is (r5 at the kernel's entry).
pub const VOF_CLIENT_ENTRY: u64 = 0x10C;

/// The machine outside the CPU and RAM: console input, power state, the RTC offset.
/// What the guest writes to its console (H_PUT_TERM_CHAR, RTAS display-character) goes
/// to [`Guest::stdout`], as a user-mode guest's fd 1.
#[derive(Clone, Debug, Default)]
pub struct Spapr {
    /// Bytes waiting to be read by H_GET_TERM_CHAR.
    pub input: VecDeque<u8>,
    /// Seconds added to the host's clock for RTAS get-time-of-day.
    pub rtc_offset: i64,
    /// The machine's sections as the guest's stream brought them, in stream order
    /// (empty for a guest booted here): sent on when the guest moves again.
    pub sections: Vec<super::carry::Section>,
    /// The hashed page table's records, likewise.
    pub htab: super::carry::Htab,
}

/// The pseries memory size QEMU's `-m` gives by default (and the most a guest's stream
/// may make a destination allocate unless told otherwise).
pub const DEFAULT_RAM: u64 = 256 << 20;

impl Guest {
    /// A pseries guest of `model` with `ram` bytes of RAM booting `image` (an ELF64
    /// big-endian file) as `-M pseries,x-vof=on -kernel` does: the loadable segments at
    /// `(vaddr & 0x0fffffff) + 0x400000`, and the CPU as VOF leaves it at
    /// [`KERNEL_LOAD_ADDR`] (32-bit real mode, r1 = 0xff60, r5 = the client-interface
    /// entry, ...).
    pub fn boot_pseries(
        image: &[u8],
        model: &'static CpuModel,
        ram: u64,
    ) -> Result<Guest, LoadError> {
        use elf::endian::BigEndian;
        let file = elf::ElfBytes::<BigEndian>::minimal_parse(image)
            .map_err(|e| LoadError(format!("not an ELF64 big-endian file: {e}")))?;
        if file.ehdr.class != elf::file::Class::ELF64 || file.ehdr.e_machine != elf::abi::EM_PPC64 {
            return Err(LoadError("not a ppc64 ELF64 file".into()));
        }
        if ram < 16 << 20 || ram % (1 << 20) != 0 || ram > 64 << 30 {
            return Err(LoadError(format!(
                "memory size {ram:#x}: a multiple of 1 MiB between 16 MiB and 64 GiB"
            )));
        }
        let mut mem = Memory::new();
        mem.add_region(RAM_BLOCK, 0, ram).map_err(LoadError)?;
        let segments = file
            .segments()
            .ok_or_else(|| LoadError("no program headers".into()))?;
        for (i, ph) in segments
            .iter()
            .filter(|p| p.p_type == elf::abi::PT_LOAD)
            .enumerate()
        {
            let at = (ph.p_vaddr & 0x0fff_ffff) + KERNEL_LOAD_ADDR;
            if ph.p_filesz > ph.p_memsz || at.saturating_add(ph.p_memsz) > ram {
                return Err(LoadError(format!(
                    "segment {i} ({:#x} bytes at {at:#x}) does not fit in RAM",
                    ph.p_memsz
                )));
            }
            let data = file
                .segment_data(&ph)
                .map_err(|e| LoadError(format!("segment {i}: {e}")))?;
            mem.write(at, data).map_err(|e| LoadError(e.to_string()))?;
        }
        // VOF's client-interface entry: the call is an H_VOF_CLIENT hypercall (answered
        // "not provided": ppc-vm has no device tree to offer), then back to the caller.
        let stub: [u32; 5] = [
            0x7c64_1b78,
            0x3860_0000,
            0x6063_f005,
            0x4400_0022,
            0x4e80_0020,
        ];
        for (k, w) in stub.iter().enumerate() {
            mem.write(VOF_CLIENT_ENTRY + 4 * k as u64, &w.to_be_bytes())
                .map_err(|e| LoadError(e.to_string()))?;
        }
        let mut cpu = CpuState::new(model);
        vof_entry_state(&mut cpu);
        cpu.set_timebase(0);
        let mut g = Guest::from_parts(cpu, mem);
        g.machine = Some(Box::default());
        Ok(g)
    }

    /// An exception in system mode: hypervisor calls are served, everything else is
    /// an interrupt delivered to the guest's vectors. `None` to go on.
    pub(crate) fn system_exception(&mut self, e: Exception, pc: u64) -> Option<Stop> {
        let cpu = &mut self.cpu;
        let next = cpu.mode_ea(pc + 4);
        let (vector, srr0, reason) = match e {
            Exception::Syscall { lev: 1, .. } if !cpu.problem_state() => {
                cpu.nip = next;
                let stop = self.hcall(pc);
                if stop.is_some() {
                    // The machine stops at the call: nothing after it ran.
                    self.cpu.nip = pc;
                    self.steps -= 1;
                }
                return stop;
            }
            Exception::Syscall { .. } => (interrupt::SYSCALL, next, 0),
            Exception::Illegal => (interrupt::PROGRAM, pc, interrupt::SRR1_ILLEGAL),
            Exception::Privileged => (interrupt::PROGRAM, pc, interrupt::SRR1_PRIVILEGED),
            Exception::Trap => (interrupt::PROGRAM, pc, interrupt::SRR1_TRAP),
            Exception::Alignment { ea } => {
                cpu.spr[spr::DAR] = ea;
                (interrupt::ALIGNMENT, pc, 0)
            }
            Exception::Unavailable(f) => {
                use crate::decode::Facility;
                let v = match f {
                    Facility::Fp => interrupt::FP_UNAVAILABLE,
                    Facility::Vec => interrupt::VEC_UNAVAILABLE,
                    Facility::Vsx => interrupt::VSX_UNAVAILABLE,
                };
                (v, pc, 0)
            }
            // Real mode: an access beyond RAM is a machine error, not a guest fault.
            Exception::Fault(_) => {
                cpu.nip = pc;
                return Some(Stop::Signal {
                    signal: 7,
                    exception: e,
                });
            }
        };
        cpu.interrupt(vector, srr0, reason);
        None
    }

    /// Between blocks in system mode: what the machine does before the next
    /// instruction (a pending decrementer interrupt, power-off, an unsupported mode).
    pub(crate) fn system_check(&mut self) -> Option<Stop> {
        self.machine.as_ref()?;
        let cpu = &mut self.cpu;
        if cpu.msr & (msr::IR | msr::DR) != 0 {
            return Some(Stop::Unsupported(
                "the guest turned address translation on (MSR[IR/DR]); ppc-vm runs pseries guests in real mode only",
            ));
        }
        if cpu.msr & msr::EE != 0 && cpu.decrementer_expired() {
            cpu.dec_armed = false;
            let nip = cpu.nip;
            cpu.interrupt(interrupt::DECREMENTER, nip, 0);
        }
        None
    }
}

/// The CPU state QEMU's VOF leaves at a `-kernel` guest's entry (QEMU 7.2, seen with
/// `-d exec,cpu`): 32-bit real mode at [`KERNEL_LOAD_ADDR`].
pub fn vof_entry_state(cpu: &mut CpuState) {
    cpu.msr = 0;
    cpu.nip = KERNEL_LOAD_ADDR;
    cpu.gpr = [0; 32];
    cpu.gpr[1] = 0xff60;
    cpu.gpr[2] = 0x8c00;
    cpu.gpr[5] = VOF_CLIENT_ENTRY;
    cpu.lr = 0x1b4;
    cpu.ctr = KERNEL_LOAD_ADDR;
    cpu.crf = [2, 0, 0, 0, 0, 0, 0, 0];
    cpu.spr[spr::LPCR] = 0x3f008;
}
