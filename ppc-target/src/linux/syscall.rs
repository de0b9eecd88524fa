//! The system calls of the Linux personality: each answered as the kernel would, over
//! the guest's memory in its byte order; anything else is `-ENOSYS`.

use super::*;
use crate::interp::Stop;

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
    pub const READV: u64 = 145;
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
    pub const KILL: u64 = 37;
    pub const TKILL: u64 = 208;
    pub const FUTEX: u64 = 221;
    pub const TGKILL: u64 = 250;
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
const ESRCH: u64 = 3;
const EAGAIN: u64 = 11;
const ETIMEDOUT: u64 = 110;

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
        nr::READV => "readv",
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
        nr::KILL => "kill",
        nr::TKILL => "tkill",
        nr::FUTEX => "futex",
        nr::TGKILL => "tgkill",
        _ => "unknown",
    }
}

/// What a system call did.
pub enum Outcome {
    /// The value to return (`Ok`) or the errno (`Err`).
    Return(Result<u64, u64>),
    /// The process exits with this status.
    Exit(u8),
    /// The process ends by this signal.
    Killed(u8),
}

impl Guest {
    /// A system call (r0 = number, r3..r8 = arguments) through the Linux personality.
    pub(crate) fn syscall(&mut self, vectored: bool) -> Option<Stop> {
        let g = &self.cpu.gpr;
        let args = [g[3], g[4], g[5], g[6], g[7], g[8]];
        let result = match self.linux_syscall(g[0], args) {
            Outcome::Exit(status) => return Some(Stop::Exit(status)),
            Outcome::Killed(signal) => return Some(Stop::Killed(signal)),
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

    /// `v` as the guest stores a doubleword: in its byte order (MSR\[LE\]).
    pub(crate) fn guest_u64(&self, v: u64) -> [u8; 8] {
        if self.cpu.little_endian() {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }

    /// `v` as the guest stores a word.
    fn guest_u32(&self, v: u32) -> [u8; 4] {
        if self.cpu.little_endian() {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }

    /// The doubleword the guest stored at `addr`.
    pub(crate) fn read_guest_u64(&mut self, addr: u64) -> Result<u64, Fault> {
        let b = self.mem.read::<8>(addr)?;
        Ok(if self.cpu.little_endian() {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        })
    }

    /// `futex` for a process of one thread: a wake finds no waiter; a wait returns at
    /// once — EAGAIN when the word differs (as the kernel), else ETIMEDOUT with a
    /// timeout (no other thread can change it) and, without one, EAGAIN too: the
    /// kernel would block the only thread forever, and a guest spinning on it stays
    /// bounded by `--max-steps` and migratable.
    fn futex(&mut self, addr: u64, op: u64, val: u32, timeout: u64) -> Result<u64, u64> {
        const WAIT: u64 = 0;
        const WAKE: u64 = 1;
        const WAIT_BITSET: u64 = 9;
        const WAKE_BITSET: u64 = 10;
        match op & 0x7F {
            WAKE | WAKE_BITSET => Ok(0),
            WAIT | WAIT_BITSET => {
                let b = self.mem.read::<4>(addr).map_err(|_| EFAULT)?;
                let word = if self.cpu.little_endian() {
                    u32::from_le_bytes(b)
                } else {
                    u32::from_be_bytes(b)
                };
                if word != val || timeout == 0 {
                    Err(EAGAIN)
                } else {
                    Err(ETIMEDOUT)
                }
            }
            _ => Err(ENOSYS),
        }
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

    /// The `count` (at most 1024) buffers of an `iovec` array at `iov`: (base, length).
    fn iovecs(&mut self, iov: u64, count: u64) -> Result<Vec<(u64, u64)>, u64> {
        (0..count.min(1024))
            .map(|i| {
                let at = iov + 16 * i;
                let base = self.read_guest_u64(at).map_err(|_| EFAULT)?;
                let len = self.read_guest_u64(at + 8).map_err(|_| EFAULT)?;
                Ok((base, len))
            })
            .collect()
    }

    /// `read` of fd 0: what the input has now, up to `len` (0 at its end, or without
    /// one).
    fn read_stdin(&mut self, buf: u64, len: u64) -> Result<u64, u64> {
        let Some(input) = self.stdin.clone() else {
            return Ok(0);
        };
        let n = usize::try_from(len).map_or(1 << 20, |n| n.min(1 << 20));
        let mut data = vec![0; n];
        let got = loop {
            let mut input = input.lock().map_err(|_| EIO)?;
            match input.read(&mut data) {
                Ok(k) => break k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(errno(&e)),
            }
        };
        self.mem.write(buf, &data[..got]).map_err(|_| EFAULT)?;
        Ok(got as u64)
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
        st[16..24].copy_from_slice(&self.guest_u64(1u64));
        st[24..28].copy_from_slice(&self.guest_u32(0o100_644u32)); // S_IFREG | 0644
        st[48..56].copy_from_slice(&self.guest_u64(m.len()));
        st[56..64].copy_from_slice(&self.guest_u64(4096u64));
        st[64..72].copy_from_slice(&self.guest_u64(m.len().div_ceil(512)));
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
        st[16..24].copy_from_slice(&self.guest_u64(1u64)); // st_nlink
        st[24..28].copy_from_slice(&self.guest_u32(0o020_620u32)); // S_IFCHR | 0620
        st[56..64].copy_from_slice(&self.guest_u64(1024u64)); // st_blksize
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
                for (base, len) in self.iovecs(a[1], a[2])? {
                    total += self.write_fd(a[0], base, len)?;
                }
                Ok(total)
            })(),
            nr::READ => match a[0] {
                0 => self.read_stdin(a[1], a[2]),
                fd => self.read_file(fd, a[1], a[2]),
            },
            // Buffer by buffer until one is not filled (the end of the file).
            nr::READV => (|| {
                let mut total = 0;
                for (base, len) in self.iovecs(a[1], a[2])? {
                    let n = match a[0] {
                        0 => self.read_stdin(base, len)?,
                        fd => self.read_file(fd, base, len)?,
                    };
                    total += n;
                    if n < len {
                        break;
                    }
                }
                Ok(total)
            })(),
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
                    let mut b = self.guest_u64(sec).to_vec();
                    b.extend_from_slice(&self.guest_u64(frac));
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
                let machine = if self.cpu.little_endian() {
                    "ppc64le"
                } else {
                    "ppc64"
                };
                for (i, s) in ["Linux", "ppc-vm", "6.1.0", "#1", machine, "(none)"]
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
                    let mut b = self.guest_u64(cur).to_vec();
                    b.extend_from_slice(&self.guest_u64(u64::MAX));
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
            nr::FUTEX => self.futex(a[0], a[1], a[2] as u32, a[3]),
            // A signal to the process itself (its only thread is 1000): the default
            // action of the fatal signals ends it (handlers are not run: rt_sigaction
            // records none); 0 probes, the others are ignored.
            nr::KILL | nr::TKILL | nr::TGKILL => {
                let (target, sig) = match nr {
                    nr::TGKILL => (a[1], a[2]),
                    _ => (a[0], a[1]),
                };
                if target != 1000 && !(nr == nr::KILL && target == 0) {
                    Err(ESRCH)
                } else if sig > 64 {
                    Err(EINVAL)
                } else if matches!(sig, 0 | 17 | 23 | 28) {
                    // 0 probes; SIGCHLD, SIGURG, SIGWINCH are ignored by default.
                    Ok(0)
                } else {
                    if self.strace {
                        let line = format!("1000 {}({:#x},{:#x}) = ?\n", name(nr), a[0], a[1]);
                        self.stderr.extend_from_slice(line.as_bytes());
                    }
                    return Killed(sig as u8);
                }
            }
            nr::SET_ROBUST_LIST | nr::RSEQ => Err(ENOSYS),
            _ => Err(ENOSYS),
        };
        if self.strace {
            let result = match r {
                Ok(v) => format!("{v:#x}"),
                Err(e) => format!("-1 errno={e}"),
            };
            let line = format!(
                "1000 {}({:#x},{:#x},{:#x},{:#x}) = {result}\n",
                name(nr),
                a[0],
                a[1],
                a[2],
                a[3]
            );
            self.stderr.extend_from_slice(line.as_bytes());
        }
        Return(r)
    }
}

/// The errno of a host I/O error.
fn errno(e: &std::io::Error) -> u64 {
    e.raw_os_error().map_or(EIO, |n| n as u64)
}
