//! The Linux user personality a static glibc or musl program starts with: the initial
//! stack (arguments, environment, auxiliary vector), the program break, and the system
//! calls of a C program's start-up and stdio, answered as the kernel would (anything
//! else is `-ENOSYS`). Its state ([`LinuxState`]) migrates with the guest.

mod syscall;

use vmstate::VmState;

pub use syscall::{name, nr, Outcome};

use crate::interp::{Guest, LoadError};
use crate::mem::{Fault, Memory};
use crate::models::CpuModel;
use crate::models::IsaLevel;
use crate::state::{msr, CpuState};

/// The personality's state, migrated as the `ppc-vm/linux` section: the kernel's side of
/// the process that is not in its memory.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "ppc-vm/linux", version = 1, minimum_version = 1)]
pub struct LinuxState {
    /// The first byte of the heap (the page after the highest loaded segment).
    pub brk_start: u64,
    /// The program break.
    pub brk: u64,
    /// End of the heap pages mapped so far.
    pub brk_mapped: u64,
    /// State of the generator behind `getrandom` and `AT_RANDOM`.
    pub random: u64,
    /// Where the next anonymous mapping goes.
    pub mmap_next: u64,
    /// Anonymous mappings made so far (regions `mmapN`).
    pub mmaps: u32,
    /// Open files.
    pub nfiles: u32,
    /// The open host files (read only), by descriptor.
    #[vmstate(varray(count = nfiles, max = 1024))]
    pub files: Vec<OpenFile>,
    /// Length of `exe`.
    pub exe_len: u32,
    /// The program's path (`/proc/self/exe`).
    #[vmstate(buffer, varray(count = exe_len, max = 4096))]
    pub exe: Vec<u8>,
}

/// A host file the guest opened (read only): reopened by path on each access, so the
/// descriptor migrates as path and position.
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "ppc-vm/linux/file", version = 1, minimum_version = 1)]
pub struct OpenFile {
    /// The guest's descriptor.
    pub fd: u32,
    /// The file position.
    pub pos: u64,
    /// Length of `path`.
    pub path_len: u32,
    /// The host path.
    #[vmstate(buffer, varray(count = path_len, max = 4096))]
    pub path: Vec<u8>,
}

/// Where anonymous mappings start (above the heap, below the stack's 256 GiB line).
pub const MMAP_BASE: u64 = 0x0000_2000_0000_0000;

/// Most the program break may grow.
pub const MAX_HEAP: u64 = 1 << 30;

/// The `AT_HWCAP` / `AT_HWCAP2` words for a CPU at `isa` with these facilities, as the
/// kernel derives them from the CPU: what the interpreter executes, so glibc's ifuncs
/// pick routines it can run (AltiVec and VSX included; not DFP, the transactional
/// memory, the crypto and the quad-precision facilities, which it does not).
pub fn hwcaps(isa: IsaLevel, fpu: bool, isel: bool, vmx: bool, vsx: bool) -> (u64, u64) {
    const F32: u64 = 0x8000_0000;
    const F64: u64 = 0x4000_0000;
    const FPU: u64 = 0x0800_0000;
    const MMU: u64 = 0x0400_0000;
    const POWER4: u64 = 0x0008_0000;
    const POWER5: u64 = 0x0004_0000;
    const POWER5_PLUS: u64 = 0x0002_0000;
    const ARCH_2_05: u64 = 0x0000_1000;
    const ARCH_2_06: u64 = 0x0000_0100;
    const ALTIVEC: u64 = 0x1000_0000;
    const VSX: u64 = 0x0000_0080;
    const TRUE_LE: u64 = 0x0000_0002;
    const ARCH_2_07: u64 = 0x8000_0000;
    const HAS_ISEL: u64 = 0x0800_0000;
    const ARCH_3_00: u64 = 0x0080_0000;
    const ARCH_3_1: u64 = 0x0004_0000;
    let mut h = F32 | F64 | MMU | POWER4;
    if fpu {
        h |= FPU;
    }
    if isa >= IsaLevel::V2_02 {
        h |= POWER5 | POWER5_PLUS;
    }
    if isa >= IsaLevel::V2_05 {
        h |= ARCH_2_05;
    }
    if isa >= IsaLevel::V2_06 {
        // POWER7 and later run little-endian programs too.
        h |= ARCH_2_06 | TRUE_LE;
    }
    if vmx {
        h |= ALTIVEC;
    }
    if vsx {
        h |= VSX;
    }
    let mut h2 = 0;
    if isa >= IsaLevel::V2_07 {
        h2 |= ARCH_2_07;
    }
    if isa >= IsaLevel::V3_0 {
        h2 |= ARCH_3_00;
    }
    if isa >= IsaLevel::V3_1 {
        h2 |= ARCH_3_1;
    }
    if isel {
        h2 |= HAS_ISEL;
    }
    (h, h2)
}

fn next_random(state: &mut u64) -> u64 {
    // splitmix64: deterministic, so a run and its migrated twin see the same bytes.
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Where the stack is placed (QEMU's linux-user layout puts it just below here).
pub const STACK_TOP: u64 = 0x40_0080_1000;
/// Stack size.
pub const STACK_SIZE: u64 = 8 << 20;
/// The user-mode MSR QEMU's linux-user shows for every model (SF, HV, VEC/VSX, EE, PR,
/// FP, ME, IR, DR, RI, ...), as in the reference traces.
pub const USER_MSR: u64 = 0x9000_0001_0280_6900;

/// What the auxiliary vector tells about the executable.
struct Aux {
    phdr: u64,
    phnum: u64,
    entry: u64,
}

impl Guest {
    /// Loads a static ppc64 executable, big-endian (ELFv1 or ELFv2) or little-endian (ELFv2), for `model` and sets
    /// up registers and the stack as Linux (and QEMU's linux-user) do.
    pub fn load_elf(
        image: &[u8],
        model: &'static CpuModel,
        argv0: &str,
    ) -> Result<Self, LoadError> {
        Self::load_elf_args(image, model, &[argv0])
    }

    /// [`Guest::load_elf`] with the whole argument vector (`argv[0]` first).
    pub fn load_elf_args(
        image: &[u8],
        model: &'static CpuModel,
        argv: &[&str],
    ) -> Result<Self, LoadError> {
        let argv0 = argv.first().copied().unwrap_or("");
        use elf::endian::AnyEndian;
        let file = elf::ElfBytes::<AnyEndian>::minimal_parse(image)
            .map_err(|e| LoadError(format!("not an ELF file: {e}")))?;
        let hdr = &file.ehdr;
        let little = file.ehdr.endianness == AnyEndian::Little;
        if hdr.class != elf::file::Class::ELF64 || hdr.e_machine != elf::abi::EM_PPC64 {
            return Err(LoadError("not a ppc64 ELF64 file".into()));
        }
        if hdr.e_type != elf::abi::ET_EXEC {
            return Err(LoadError(
                "only static executables (ET_EXEC) are supported".into(),
            ));
        }
        let mut mem = Memory::new();
        let segments = file
            .segments()
            .ok_or_else(|| LoadError("no program headers".into()))?;
        for (i, ph) in segments
            .iter()
            .filter(|p| p.p_type == elf::abi::PT_LOAD)
            .enumerate()
        {
            if ph.p_memsz > 1 << 30 || ph.p_filesz > ph.p_memsz {
                return Err(LoadError("unreasonable segment size".into()));
            }
            mem.add_region(&format!("seg{i}"), ph.p_vaddr, ph.p_memsz)
                .map_err(LoadError)?;
            let data = file
                .segment_data(&ph)
                .map_err(|e| LoadError(format!("segment {i}: {e}")))?;
            mem.write(ph.p_vaddr, data)
                .map_err(|e| LoadError(e.to_string()))?;
        }
        mem.add_region("stack", STACK_TOP - STACK_SIZE, STACK_SIZE)
            .map_err(LoadError)?;
        let heap = mem
            .regions()
            .iter()
            .filter(|r| r.name.starts_with("seg"))
            .map(|r| r.base + r.len() as u64)
            .max()
            .unwrap_or(0);
        let phdr = segments
            .iter()
            .find(|p| p.p_type == elf::abi::PT_LOAD && p.p_offset == 0)
            .map_or(0, |p| p.p_vaddr + hdr.e_phoff);
        let phnum = u64::from(hdr.e_phnum);

        let mut cpu = CpuState::new(model);
        cpu.msr = USER_MSR;
        if little {
            // ppc64le: the process runs with MSR[LE] set from its first instruction.
            cpu.msr |= msr::LE;
        }
        // Linux starts a process with VSCR[NJ] set (non-Java mode), as qemu-user does.
        cpu.altivec.vscr.0 = 0x0001_0000;
        let entry = hdr.e_entry;
        // ELFv2 (every little-endian ppc64 executable is) enters at the code itself.
        if little || hdr.e_flags & 3 == 2 {
            cpu.nip = entry;
            cpu.gpr[12] = entry;
        } else {
            // ELFv1: the entry is a function descriptor {code, TOC, env}.
            cpu.nip = mem
                .read_u64(entry)
                .map_err(|e| LoadError(format!("entry descriptor: {e}")))?;
            cpu.gpr[2] = mem
                .read_u64(entry + 8)
                .map_err(|e| LoadError(format!("entry descriptor: {e}")))?;
        }
        let mut g = Guest::from_parts(cpu, mem);
        g.linux.brk_start = heap;
        g.linux.brk = heap;
        g.linux.brk_mapped = heap;
        // `/proc/self/exe` is absolute (glibc checks): the caller sets the real path
        // with `set_exe`; until then a relative argv[0] is taken from the root.
        if argv0.starts_with('/') {
            g.set_exe(argv0);
        } else {
            g.set_exe(&format!("/{argv0}"));
        }
        let aux = Aux { phdr, phnum, entry };
        g.cpu.gpr[1] = g
            .setup_stack(argv, &aux)
            .map_err(|e| LoadError(e.to_string()))?;
        Ok(g)
    }

    /// The initial stack as Linux builds it: argc, argv, an empty environment and the
    /// auxiliary vector, with the strings and `AT_RANDOM`'s 16 bytes above; returns r1.
    fn setup_stack(&mut self, argv: &[&str], aux: &Aux) -> Result<u64, Fault> {
        let strings: usize = argv.iter().map(|a| a.len() + 1).sum();
        if strings > 128 << 10 {
            return Err(Fault {
                addr: STACK_TOP,
                size: 0,
                write: true,
            });
        }
        let name = (STACK_TOP - 0x200 - strings as u64) & !15;
        let mut at = name;
        let mut ptrs = Vec::new();
        for a in argv {
            self.mem.write(at, a.as_bytes())?;
            self.mem.write(at + a.len() as u64, &[0])?;
            ptrs.push(at);
            at += a.len() as u64 + 1;
        }
        let platform = (at + 16) & !15;
        let plat = self
            .cpu
            .model
            .name
            .split('_')
            .next()
            .unwrap_or("power9")
            .as_bytes()
            .to_vec();
        self.mem.write(platform, &plat)?;
        self.mem.write(platform + plat.len() as u64, &[0])?;
        let random = name - 32;
        let bytes = self.random_bytes(16);
        self.mem.write(random, &bytes)?;
        let f = self.cpu.model.facilities;
        let (hwcap, hwcap2) = crate::linux::hwcaps(self.cpu.isa, f.fpu, f.isel, f.vmx, f.vsx);
        let auxv: [(u64, u64); 19] = [
            (3, aux.phdr),  // AT_PHDR
            (4, 56),        // AT_PHENT
            (5, aux.phnum), // AT_PHNUM
            (6, 4096),      // AT_PAGESZ
            (7, 0),         // AT_BASE
            (8, 0),         // AT_FLAGS
            (9, aux.entry), // AT_ENTRY
            (11, 0),        // AT_UID
            (12, 0),        // AT_EUID
            (13, 0),        // AT_GID
            (14, 0),        // AT_EGID
            (15, platform), // AT_PLATFORM
            (16, hwcap),    // AT_HWCAP
            (17, 100),      // AT_CLKTCK
            (19, 128),      // AT_DCACHEBSIZE
            (20, 128),      // AT_ICACHEBSIZE
            (23, 0),        // AT_SECURE
            (25, random),   // AT_RANDOM
            (26, hwcap2),   // AT_HWCAP2
        ];
        let mut words = vec![ptrs.len() as u64];
        words.extend_from_slice(&ptrs);
        words.extend_from_slice(&[0, 0]); // argv's NULL, an empty environment
        for (k, v) in auxv {
            words.extend_from_slice(&[k, v]);
        }
        words.extend_from_slice(&[31, name, 0, 0]); // AT_EXECFN, AT_NULL
        let sp = (random - 8 * words.len() as u64 - 64) & !15;
        for (i, w) in words.iter().enumerate() {
            self.mem.write(sp + 8 * i as u64, &self.guest_u64(*w))?;
        }
        Ok(sp)
    }
}

impl Guest {
    /// Sets the executable's path `/proc/self/exe` names (absolute, as the kernel's).
    pub fn set_exe(&mut self, path: &str) {
        self.linux.exe = path.as_bytes().iter().take(4096).copied().collect();
        self.linux.exe_len = self.linux.exe.len() as u32;
    }

    /// Random bytes for the guest (`getrandom`, `AT_RANDOM`).
    pub(crate) fn random_bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&next_random(&mut self.linux.random).to_be_bytes());
        }
        out.truncate(n);
        out
    }
}
