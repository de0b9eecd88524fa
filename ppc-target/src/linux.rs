//! The Linux user personality a static glibc or musl program starts with: the initial
//! stack (arguments, environment, auxiliary vector), the program break, and the system
//! calls of a C program's start-up and stdio, answered as the kernel would (anything
//! else is `-ENOSYS`). Its state ([`LinuxState`]) migrates with the guest.

use vmstate::VmState;

use crate::interp::Guest;
use crate::models::IsaLevel;

/// Linux system call numbers (powerpc64).
pub mod nr {
    #![allow(missing_docs)]
    pub const EXIT: u64 = 1;
    pub const READ: u64 = 3;
    pub const WRITE: u64 = 4;
    pub const CLOSE: u64 = 6;
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
    /// Length of `exe`.
    pub exe_len: u32,
    /// The program's path (`/proc/self/exe`).
    #[vmstate(buffer, varray(count = exe_len, max = 4096))]
    pub exe: Vec<u8>,
}

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

/// What a system call did.
pub enum Outcome {
    /// The value to return (`Ok`) or the errno (`Err`).
    Return(Result<u64, u64>),
    /// The process exits with this status.
    Exit(u8),
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
            nr::EXIT | nr::EXIT_GROUP => return Exit(a[0] as u8),
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
                _ => Err(EBADF),
            },
            nr::CLOSE => Ok(0),
            nr::BRK => Ok(self.brk(a[0])),
            nr::MPROTECT => Ok(0),
            nr::GETPID | nr::GETTID | nr::SET_TID_ADDRESS => Ok(1000),
            nr::GETUID | nr::GETEUID | nr::GETGID | nr::GETEGID => Ok(0),
            nr::IOCTL => Err(ENOTTY),
            nr::FSTAT if a[0] <= 2 => self.stat_chardev(a[1]),
            nr::NEWFSTATAT if a[0] <= 2 && a[3] & 0x1000 != 0 => self.stat_chardev(a[2]),
            nr::FSTAT | nr::NEWFSTATAT => Err(EBADF),
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
        Return(r)
    }
}
