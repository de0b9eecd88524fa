//! The Linux user personality a static glibc or musl program starts with: the initial
//! stack (arguments, environment, auxiliary vector), the program break, and the system
//! calls of a C program's start-up and stdio, answered as the kernel would (anything
//! else is `-ENOSYS`). Its state ([`LinuxState`]) migrates with the guest.

use vmstate::VmState;

use crate::interp::{Guest, LoadError, Stop};
use crate::mem::{Fault, Memory};
use crate::models::CpuModel;
use crate::models::IsaLevel;
use crate::state::CpuState;

/// Linux system call numbers (powerpc64).
pub mod nr {
    #![allow(missing_docs)]
    pub const EXIT: u64 = 1;
    pub const READ: u64 = 3;
    pub const WRITE: u64 = 4;
    pub const OPEN: u64 = 5;
    pub const CLOSE: u64 = 6;
    pub const LSEEK: u64 = 19;
    pub const GETTIMEOFDAY: u64 = 78;
    pub const MMAP: u64 = 90;
    pub const MUNMAP: u64 = 91;
    pub const MREMAP: u64 = 163;
    pub const CLOCK_GETTIME: u64 = 246;
    pub const OPENAT: u64 = 286;
    pub const GETPID: u64 = 20;
    pub const GETUID: u64 = 24;
    pub const BRK: u64 = 45;
    pub const GETGID: u64 = 47;
    pub const GETEUID: u64 = 49;
    pub const GETEGID: u64 = 50;
    pub const IOCTL: u64 = 54;
    pub const READLINK: u64 = 85;
    pub const FSTAT: u64 = 108;
    pub const UNAME: u64 = 122;
    pub const MPROTECT: u64 = 125;
    pub const WRITEV: u64 = 146;
    pub const RT_SIGACTION: u64 = 173;
    pub const RT_SIGPROCMASK: u64 = 174;
    pub const GETTID: u64 = 207;
    pub const SET_TID_ADDRESS: u64 = 232;
    pub const EXIT_GROUP: u64 = 234;
    pub const NEWFSTATAT: u64 = 291;
    pub const READLINKAT: u64 = 296;
    pub const SET_ROBUST_LIST: u64 = 300;
    pub const PRLIMIT64: u64 = 325;
    pub const GETRANDOM: u64 = 359;
    pub const RSEQ: u64 = 387;
}

const ENOENT: u64 = 2;
const EIO: u64 = 5;
const ENOMEM: u64 = 12;
const EACCES: u64 = 13;
const ENODEV: u64 = 19;
const EISDIR: u64 = 21;
const EMFILE: u64 = 24;
const EBADF: u64 = 9;
const EFAULT: u64 = 14;
const EINVAL: u64 = 22;
const ENOTTY: u64 = 25;
const ENOSYS: u64 = 38;

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

/// The `AT_HWCAP` / `AT_HWCAP2` words for a CPU at `isa` with these facilities: what the
/// interpreter executes (so glibc's ifuncs pick routines it can run). Vector
/// facilities are left out until the interpreter executes VMX/VSX.
pub fn hwcaps(isa: IsaLevel, fpu: bool, isel: bool) -> (u64, u64) {
    const F32: u64 = 0x8000_0000;
    const F64: u64 = 0x4000_0000;
    const FPU: u64 = 0x0800_0000;
    const MMU: u64 = 0x0400_0000;
    const POWER4: u64 = 0x0008_0000;
    const POWER5: u64 = 0x0004_0000;
    const POWER5_PLUS: u64 = 0x0002_0000;
    const ARCH_2_05: u64 = 0x0000_1000;
    const ARCH_2_06: u64 = 0x0000_0100;
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
        h |= ARCH_2_06;
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

/// A system call's name (for `--strace`).
pub fn name(n: u64) -> &'static str {
    match n {
        nr::EXIT => "exit",
        nr::READ => "read",
        nr::WRITE => "write",
        nr::OPEN => "open",
        nr::CLOSE => "close",
        nr::LSEEK => "lseek",
        nr::GETPID => "getpid",
        nr::GETUID => "getuid",
        nr::BRK => "brk",
        nr::GETGID => "getgid",
        nr::GETEUID => "geteuid",
        nr::GETEGID => "getegid",
        nr::IOCTL => "ioctl",
        nr::GETTIMEOFDAY => "gettimeofday",
        nr::READLINK => "readlink",
        nr::MMAP => "mmap",
        nr::MUNMAP => "munmap",
        nr::FSTAT => "fstat",
        nr::UNAME => "uname",
        nr::MPROTECT => "mprotect",
        nr::WRITEV => "writev",
        nr::MREMAP => "mremap",
        nr::RT_SIGACTION => "rt_sigaction",
        nr::RT_SIGPROCMASK => "rt_sigprocmask",
        nr::GETTID => "gettid",
        nr::SET_TID_ADDRESS => "set_tid_address",
        nr::EXIT_GROUP => "exit_group",
        nr::CLOCK_GETTIME => "clock_gettime",
        nr::OPENAT => "openat",
        nr::NEWFSTATAT => "newfstatat",
        nr::READLINKAT => "readlinkat",
        nr::SET_ROBUST_LIST => "set_robust_list",
        nr::PRLIMIT64 => "prlimit64",
        nr::GETRANDOM => "getrandom",
        nr::RSEQ => "rseq",
        _ => "unknown",
    }
}

/// What a system call did.
pub enum Outcome {
    /// The value to return (`Ok`) or the errno (`Err`).
    Return(Result<u64, u64>),
    /// The process exits with this status.
    Exit(u8),
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
    /// Loads a static ELF64 big-endian executable (ELFv1 or ELFv2) for `model` and sets
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
        use elf::endian::BigEndian;
        let file = elf::ElfBytes::<BigEndian>::minimal_parse(image)
            .map_err(|e| LoadError(format!("not an ELF64 big-endian file: {e}")))?;
        let hdr = &file.ehdr;
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
        // Linux starts a process with VSCR[NJ] set (non-Java mode), as qemu-user does.
        cpu.altivec.vscr.0 = 0x0001_0000;
        let entry = hdr.e_entry;
        if hdr.e_flags & 3 == 2 {
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
        let (hwcap, hwcap2) = crate::linux::hwcaps(self.cpu.isa, f.fpu, f.isel);
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
            self.mem.write(sp + 8 * i as u64, &w.to_be_bytes())?;
        }
        Ok(sp)
    }

    /// A system call (r0 = number, r3..r8 = arguments) through the Linux personality.
    pub(crate) fn syscall(&mut self, vectored: bool) -> Option<Stop> {
        let g = &self.cpu.gpr;
        let args = [g[3], g[4], g[5], g[6], g[7], g[8]];
        let result = match self.linux_syscall(g[0], args) {
            Outcome::Exit(status) => return Some(Stop::Exit(status)),
            Outcome::Return(r) => r,
        };
        let so = &mut self.cpu.crf[0];
        match (result, vectored) {
            (Ok(v), false) => {
                self.cpu.gpr[3] = v;
                *so &= !1;
            }
            (Err(e), false) => {
                self.cpu.gpr[3] = e;
                *so |= 1;
            }
            (Ok(v), true) => self.cpu.gpr[3] = v,
            (Err(e), true) => self.cpu.gpr[3] = e.wrapping_neg(),
        }
        None
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

    fn read_cstr(&mut self, addr: u64) -> Result<Vec<u8>, u64> {
        let mut s = Vec::new();
        for i in 0..4096 {
            let b = self.mem.read::<1>(addr + i).map_err(|_| EFAULT)?[0];
            if b == 0 {
                return Ok(s);
            }
            s.push(b);
        }
        Err(ENOENT)
    }

    fn brk(&mut self, want: u64) -> u64 {
        let l = &self.linux;
        if want < l.brk_start || want > l.brk_start + MAX_HEAP {
            return l.brk;
        }
        let page = crate::mem::PAGE_SIZE;
        let end = want.div_ceil(page) * page;
        if end > l.brk_mapped {
            // One `heap` region from the start of the heap, grown in place.
            let (start, mapped) = (l.brk_start, l.brk_mapped);
            let grown = if mapped == start {
                self.mem.add_region("heap", start, end - start)
            } else {
                self.mem.grow_region(start, end - start)
            };
            if grown.is_err() {
                return self.linux.brk;
            }
            self.linux.brk_mapped = end;
        }
        self.linux.brk = want;
        want
    }

    fn write_fd(&mut self, fd: u64, addr: u64, len: u64) -> Result<u64, u64> {
        if fd != 1 && fd != 2 {
            return Err(EBADF);
        }
        let n = usize::try_from(len)
            .ok()
            .filter(|&n| n <= 1 << 24)
            .ok_or(EFAULT)?;
        let bytes = self.mem.read_bytes(addr, n).map_err(|_| EFAULT)?;
        if fd == 1 {
            self.stdout.extend_from_slice(&bytes);
        } else {
            self.stderr.extend_from_slice(&bytes);
        }
        Ok(len)
    }

    fn file(&self, fd: u64) -> Result<usize, u64> {
        self.linux
            .files
            .iter()
            .position(|f| u64::from(f.fd) == fd)
            .ok_or(EBADF)
    }

    fn host_path(&self, i: usize) -> std::path::PathBuf {
        std::path::PathBuf::from(String::from_utf8_lossy(&self.linux.files[i].path).into_owned())
    }

    fn open(&mut self, dirfd: i64, path: u64, flags: u64) -> Result<u64, u64> {
        const AT_FDCWD: i64 = -100;
        let p = self.read_cstr(path)?;
        if flags & 3 != 0 {
            return Err(EACCES); // read-only
        }
        if dirfd != AT_FDCWD && !p.starts_with(b"/") {
            return Err(EBADF);
        }
        let path = String::from_utf8_lossy(&p).into_owned();
        let abs = std::fs::canonicalize(&path).map_err(|e| errno(&e))?;
        if abs.is_dir() {
            return Err(EISDIR);
        }
        std::fs::File::open(&abs).map_err(|e| errno(&e))?;
        if self.linux.files.len() >= 1024 {
            return Err(EMFILE);
        }
        let fd = (3..).find(|fd| self.file(*fd).is_err()).unwrap_or(3);
        let bytes = abs.to_string_lossy().as_bytes().to_vec();
        self.linux.files.push(OpenFile {
            fd: fd as u32,
            pos: 0,
            path_len: bytes.len() as u32,
            path: bytes,
        });
        self.linux.nfiles = self.linux.files.len() as u32;
        Ok(fd)
    }

    fn read_file(&mut self, fd: u64, buf: u64, len: u64) -> Result<u64, u64> {
        use std::io::{Read, Seek, SeekFrom};
        let i = self.file(fd)?;
        let n = usize::try_from(len)
            .ok()
            .filter(|&n| n <= 1 << 24)
            .ok_or(EFAULT)?;
        let mut f = std::fs::File::open(self.host_path(i)).map_err(|e| errno(&e))?;
        f.seek(SeekFrom::Start(self.linux.files[i].pos))
            .map_err(|e| errno(&e))?;
        let mut data = vec![0; n];
        let mut got = 0;
        while got < n {
            match f.read(&mut data[got..]) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(e) => return Err(errno(&e)),
            }
        }
        self.mem.write(buf, &data[..got]).map_err(|_| EFAULT)?;
        self.linux.files[i].pos += got as u64;
        Ok(got as u64)
    }

    fn lseek(&mut self, fd: u64, off: i64, whence: u64) -> Result<u64, u64> {
        let i = self.file(fd)?;
        let size = std::fs::metadata(self.host_path(i))
            .map_err(|e| errno(&e))?
            .len();
        let base = match whence {
            0 => 0,
            1 => self.linux.files[i].pos as i64,
            2 => size as i64,
            _ => return Err(EINVAL),
        };
        let pos = base.checked_add(off).filter(|&p| p >= 0).ok_or(EINVAL)?;
        self.linux.files[i].pos = pos as u64;
        Ok(pos as u64)
    }

    fn close(&mut self, fd: u64) -> Result<u64, u64> {
        if fd <= 2 {
            return Ok(0);
        }
        let i = self.file(fd)?;
        self.linux.files.remove(i);
        self.linux.nfiles = self.linux.files.len() as u32;
        Ok(0)
    }

    /// A `struct stat` of an open host file.
    fn stat_file(&mut self, fd: u64, buf: u64) -> Result<u64, u64> {
        let i = self.file(fd)?;
        let m = std::fs::metadata(self.host_path(i)).map_err(|e| errno(&e))?;
        let mut st = [0u8; 144];
        st[16..24].copy_from_slice(&1u64.to_be_bytes());
        st[24..28].copy_from_slice(&0o100_644u32.to_be_bytes()); // S_IFREG | 0644
        st[48..56].copy_from_slice(&m.len().to_be_bytes());
        st[56..64].copy_from_slice(&4096u64.to_be_bytes());
        st[64..72].copy_from_slice(&m.len().div_ceil(512).to_be_bytes());
        self.mem.write(buf, &st).map_err(|_| EFAULT)?;
        Ok(0)
    }

    /// An anonymous private mapping (`MAP_ANONYMOUS`): fresh zero pages, each mapping
    /// a region of its own; file mappings are not supported.
    fn mmap(&mut self, len: u64, flags: u64, fd: i64) -> Result<u64, u64> {
        const MAP_ANONYMOUS: u64 = 0x20;
        const MAP_FIXED: u64 = 0x10;
        if flags & MAP_ANONYMOUS == 0 || fd != -1 {
            return Err(ENODEV);
        }
        if flags & MAP_FIXED != 0 || len == 0 || len > MAX_HEAP {
            return Err(EINVAL);
        }
        let page = crate::mem::PAGE_SIZE;
        let len = len.div_ceil(page) * page;
        if self.linux.mmap_next == 0 {
            self.linux.mmap_next = MMAP_BASE;
        }
        let at = self.linux.mmap_next;
        self.mem
            .add_region(&format!("mmap{}", self.linux.mmaps), at, len)
            .map_err(|_| ENOMEM)?;
        self.linux.mmaps += 1;
        // A guard page between mappings.
        self.linux.mmap_next = at + len + page;
        Ok(at)
    }

    /// `mremap` of a whole anonymous mapping: shrinking keeps it (as `munmap`, the
    /// tail's pages stay), growing extends it in place when it is the newest mapping,
    /// else with `MREMAP_MAYMOVE` maps a new one and copies the contents there.
    fn mremap(&mut self, old: u64, old_len: u64, new_len: u64, flags: u64) -> Result<u64, u64> {
        const MREMAP_MAYMOVE: u64 = 1;
        if flags & !MREMAP_MAYMOVE != 0 || new_len == 0 || new_len > MAX_HEAP {
            return Err(EINVAL);
        }
        let page = crate::mem::PAGE_SIZE;
        let Some(i) = self
            .mem
            .regions()
            .iter()
            .position(|r| r.base == old && r.name.starts_with("mmap"))
        else {
            return Err(EFAULT);
        };
        let have = self.mem.regions()[i].len() as u64;
        if old_len.div_ceil(page) * page != have {
            return Err(EINVAL);
        }
        let new_len = new_len.div_ceil(page) * page;
        if new_len <= have {
            return Ok(old);
        }
        if old + have + page == self.linux.mmap_next {
            self.mem.grow_region(old, new_len).map_err(|_| ENOMEM)?;
            self.linux.mmap_next = old + new_len + page;
            return Ok(old);
        }
        if flags & MREMAP_MAYMOVE == 0 {
            return Err(ENOMEM);
        }
        let bytes = self.mem.region_bytes(i).to_vec();
        let at = self.mmap(new_len, 0x22, -1)?;
        self.mem.write(at, &bytes).map_err(|_| EFAULT)?;
        Ok(at)
    }

    /// The host's real-time clock as (seconds, nanoseconds).
    fn now() -> (u64, u64) {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        (d.as_secs(), u64::from(d.subsec_nanos()))
    }

    /// A `struct stat` of a character device (the standard streams).
    fn stat_chardev(&mut self, buf: u64) -> Result<u64, u64> {
        let mut st = [0u8; 144];
        st[16..24].copy_from_slice(&1u64.to_be_bytes()); // st_nlink
        st[24..28].copy_from_slice(&0o020_620u32.to_be_bytes()); // S_IFCHR | 0620
        st[56..64].copy_from_slice(&1024u64.to_be_bytes()); // st_blksize
        self.mem.write(buf, &st).map_err(|_| EFAULT)?;
        Ok(0)
    }

    /// The system call `nr` with arguments `a` (r3..r8).
    pub(crate) fn linux_syscall(&mut self, nr: u64, a: [u64; 6]) -> Outcome {
        use Outcome::*;
        let r = match nr {
            nr::EXIT | nr::EXIT_GROUP => {
                if self.strace {
                    let line = format!("1000 {}({})\n", name(nr), a[0]);
                    self.stderr.extend_from_slice(line.as_bytes());
                }
                return Exit(a[0] as u8);
            }
            nr::WRITE => self.write_fd(a[0], a[1], a[2]),
            nr::WRITEV => (|| {
                let mut total = 0;
                for i in 0..a[2].min(1024) {
                    let iov = a[1] + 16 * i;
                    let base = self.mem.read_u64(iov).map_err(|_| EFAULT)?;
                    let len = self.mem.read_u64(iov + 8).map_err(|_| EFAULT)?;
                    total += self.write_fd(a[0], base, len)?;
                }
                Ok(total)
            })(),
            nr::READ => match a[0] {
                0 => Ok(0), // stdin is empty
                fd => self.read_file(fd, a[1], a[2]),
            },
            nr::OPEN => self.open(-100, a[0], a[1]),
            nr::OPENAT => self.open(a[0] as i64, a[1], a[2]),
            nr::LSEEK => self.lseek(a[0], a[1] as i64, a[2]),
            nr::CLOSE => self.close(a[0]),
            nr::MMAP => self.mmap(a[1], a[3], a[4] as i64),
            nr::MUNMAP => Ok(0), // the pages stay; the address range is never reused
            nr::MREMAP => self.mremap(a[0], a[1], a[2], a[3]),
            nr::CLOCK_GETTIME | nr::GETTIMEOFDAY => (|| {
                let (sec, ns) = Self::now();
                let (buf, frac) = if nr == nr::CLOCK_GETTIME {
                    (a[1], ns)
                } else {
                    (a[0], ns / 1000)
                };
                if buf != 0 {
                    let mut b = sec.to_be_bytes().to_vec();
                    b.extend_from_slice(&frac.to_be_bytes());
                    self.mem.write(buf, &b).map_err(|_| EFAULT)?;
                }
                Ok(0)
            })(),
            nr::BRK => Ok(self.brk(a[0])),
            nr::MPROTECT => Ok(0),
            nr::GETPID | nr::GETTID | nr::SET_TID_ADDRESS => Ok(1000),
            nr::GETUID | nr::GETEUID | nr::GETGID | nr::GETEGID => Ok(0),
            nr::IOCTL => Err(ENOTTY),
            nr::FSTAT if a[0] <= 2 => self.stat_chardev(a[1]),
            nr::FSTAT => self.stat_file(a[0], a[1]),
            nr::NEWFSTATAT if a[3] & 0x1000 != 0 && a[0] <= 2 => self.stat_chardev(a[2]),
            nr::NEWFSTATAT if a[3] & 0x1000 != 0 => self.stat_file(a[0], a[2]),
            nr::NEWFSTATAT => Err(ENOSYS),
            nr::READLINK | nr::READLINKAT => (|| {
                let path_arg = if nr == nr::READLINK { a[0] } else { a[1] };
                let (buf, len) = if nr == nr::READLINK {
                    (a[1], a[2])
                } else {
                    (a[2], a[3])
                };
                if self.read_cstr(path_arg)? != b"/proc/self/exe" {
                    return Err(ENOENT);
                }
                let exe = self.linux.exe.clone();
                let n = exe.len().min(len as usize);
                self.mem.write(buf, &exe[..n]).map_err(|_| EFAULT)?;
                Ok(n as u64)
            })(),
            nr::UNAME => (|| {
                let mut u = [0u8; 65 * 6];
                for (i, s) in ["Linux", "ppc-vm", "6.1.0", "#1", "ppc64", "(none)"]
                    .iter()
                    .enumerate()
                {
                    u[65 * i..65 * i + s.len()].copy_from_slice(s.as_bytes());
                }
                self.mem.write(a[0], &u).map_err(|_| EFAULT)?;
                Ok(0)
            })(),
            nr::PRLIMIT64 => (|| {
                if a[3] != 0 {
                    // {cur, max}: the stack 8 MiB, the rest unlimited.
                    let cur = if a[1] == 3 { 8 << 20 } else { u64::MAX };
                    let mut b = cur.to_be_bytes().to_vec();
                    b.extend_from_slice(&u64::MAX.to_be_bytes());
                    self.mem.write(a[3], &b).map_err(|_| EFAULT)?;
                }
                Ok(0)
            })(),
            nr::GETRANDOM => (|| {
                let n = usize::try_from(a[1])
                    .ok()
                    .filter(|&n| n <= 1 << 20)
                    .ok_or(EINVAL)?;
                let bytes = self.random_bytes(n);
                self.mem.write(a[0], &bytes).map_err(|_| EFAULT)?;
                Ok(n as u64)
            })(),
            nr::RT_SIGACTION | nr::RT_SIGPROCMASK => Ok(0),
            nr::SET_ROBUST_LIST | nr::RSEQ => Err(ENOSYS),
            _ => Err(ENOSYS),
        };
        if self.strace {
            let line = match r {
                Ok(v) => format!(
                    "{} {}({:#x},{:#x},{:#x},{:#x}) = {v:#x}\n",
                    1000,
                    name(nr),
                    a[0],
                    a[1],
                    a[2],
                    a[3]
                ),
                Err(e) => format!(
                    "{} {}({:#x},{:#x},{:#x},{:#x}) = -1 errno={e}\n",
                    1000,
                    name(nr),
                    a[0],
                    a[1],
                    a[2],
                    a[3]
                ),
            };
            self.stderr.extend_from_slice(line.as_bytes());
        }
        Return(r)
    }
}

/// The errno of a host I/O error.
fn errno(e: &std::io::Error) -> u64 {
    e.raw_os_error().map_or(EIO, |n| n as u64)
}
