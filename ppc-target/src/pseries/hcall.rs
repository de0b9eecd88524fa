//! Hypervisor calls (`sc 1` from supervisor state: r3 = the call, r4… its arguments,
//! the status back in r3) and RTAS through H_RTAS, with QEMU's numbers, tokens and
//! return codes.

use crate::interp::{Guest, Stop};
use crate::pseries::machine::VTY_REG;

/// Hypervisor call numbers.
pub mod h {
    /// Read up to 16 console bytes.
    pub const GET_TERM_CHAR: u64 = 0x54;
    /// Write up to 16 console bytes.
    pub const PUT_TERM_CHAR: u64 = 0x58;
    /// Set a mode of the partition (r4 = mflags, r5 = resource, r6/r7 = values); the
    /// interrupt endianness (resource 4) is the one served.
    pub const SET_MODE: u64 = 0x31C;
    /// An RTAS call (r4 = the real address of its argument block).
    pub const RTAS: u64 = 0xF000;
    /// VOF's client interface.
    pub const VOF_CLIENT: u64 = 0xF005;
}

/// Hypervisor call status codes.
pub mod status {
    /// Success.
    pub const SUCCESS: u64 = 0;
    /// The call is not implemented.
    pub const FUNCTION: u64 = -2i64 as u64;
    /// A bad argument.
    pub const PARAMETER: u64 = -4i64 as u64;
    /// A bad second argument (H_P2).
    pub const P2: u64 = -55i64 as u64;
    /// A bad third argument (H_P3).
    pub const P3: u64 = -56i64 as u64;
    /// A bad fourth argument (H_P4).
    pub const P4: u64 = -57i64 as u64;
    /// Flags the call does not support.
    pub const UNSUPPORTED_FLAG: u64 = -256i64 as u64;
}

/// RTAS tokens (QEMU's numbering from 0x2000).
pub mod rtas {
    /// display-character.
    pub const DISPLAY_CHARACTER: u32 = 0x2000;
    /// get-time-of-day.
    pub const GET_TIME_OF_DAY: u32 = 0x2001;
    /// power-off.
    pub const POWER_OFF: u32 = 0x2003;
    /// query-cpu-stopped-state.
    pub const QUERY_CPU_STOPPED_STATE: u32 = 0x2005;
    /// start-cpu.
    pub const START_CPU: u32 = 0x2006;
    /// stop-self.
    pub const STOP_SELF: u32 = 0x2007;
}

/// RTAS status: success, hardware error, parameter error.
const RTAS_OK: u32 = 0;
const RTAS_HW_ERROR: u32 = -1i32 as u32;
const RTAS_PARAM_ERROR: u32 = -3i32 as u32;

impl Guest {
    /// Serves the hypervisor call of the `sc 1` at `pc` (`nip` is already past it). A
    /// call that stops the machine (power-off, stop-self) changes no register: the
    /// caller leaves the guest at the `sc 1`, so a guest saved there and resumed
    /// elsewhere stops there too.
    pub(crate) fn hcall(&mut self, pc: u64) -> Option<Stop> {
        let g = self.cpu.gpr;
        let (status, stop) = match g[3] {
            h::PUT_TERM_CHAR => {
                let len = g[5];
                if g[4] != VTY_REG || len > 16 {
                    (status::PARAMETER, None)
                } else {
                    let mut bytes = [0u8; 16];
                    bytes[..8].copy_from_slice(&g[6].to_be_bytes());
                    bytes[8..].copy_from_slice(&g[7].to_be_bytes());
                    self.stdout.extend_from_slice(&bytes[..len as usize]);
                    (status::SUCCESS, None)
                }
            }
            h::GET_TERM_CHAR => {
                if g[4] != VTY_REG {
                    (status::PARAMETER, None)
                } else {
                    let m = self.machine_mut();
                    let n = m.input.len().min(16);
                    let mut bytes = [0u8; 16];
                    for (i, b) in m.input.drain(..n).enumerate() {
                        bytes[i] = b;
                    }
                    let cpu = &mut self.cpu;
                    cpu.gpr[4] = n as u64;
                    cpu.gpr[5] = u64::from_be_bytes(bytes[..8].try_into().expect("8 bytes"));
                    cpu.gpr[6] = u64::from_be_bytes(bytes[8..].try_into().expect("8 bytes"));
                    (status::SUCCESS, None)
                }
            }
            // H_SET_MODE: the endianness of interrupts (LPCR[ILE]), as QEMU sets it
            // for the partition; the other resources (breakpoint registers, the
            // translation mode of interrupts) are not served.
            h::SET_MODE => match (g[5], g[4]) {
                (4, _) if g[6] != 0 => (status::P3, None),
                (4, _) if g[7] != 0 => (status::P4, None),
                (4, mode @ (0 | 1)) => {
                    const LPCR_ILE: u64 = 1 << 25;
                    let lpcr = &mut self.cpu.spr[crate::state::spr::LPCR];
                    *lpcr = if mode == 1 {
                        *lpcr | LPCR_ILE
                    } else {
                        *lpcr & !LPCR_ILE
                    };
                    (status::SUCCESS, None)
                }
                (4, _) => (status::UNSUPPORTED_FLAG, None),
                _ => (status::P2, None),
            },
            h::RTAS => match self.rtas(g[4]) {
                Ok(stop) => (status::SUCCESS, stop),
                Err(()) => (status::PARAMETER, None),
            },
            // No device tree to serve: the client interface reports failure.
            h::VOF_CLIENT => (u64::MAX, None),
            _ => (status::FUNCTION, None),
        };
        if self.strace {
            let line = format!(
                "hcall {:#x}({:#x}, {:#x}, {:#x}) = {:#x} at {pc:#x}\n",
                g[3], g[4], g[5], g[6], status
            );
            self.stderr.extend_from_slice(line.as_bytes());
        }
        if stop.is_none() {
            self.cpu.gpr[3] = status;
        }
        stop
    }

    fn machine_mut(&mut self) -> &mut super::Spapr {
        self.machine.get_or_insert_with(Box::default)
    }

    /// One RTAS call: the block at `args` is token, nargs, nret, the arguments and the
    /// results (32-bit words); `Err` when the block is outside RAM.
    fn rtas(&mut self, args: u64) -> Result<Option<Stop>, ()> {
        let word = |g: &mut Guest, i: u64| -> Result<u32, ()> {
            g.mem.read_u32(args + 4 * i).map_err(|_| ())
        };
        let token = word(self, 0)?;
        let nargs = u64::from(word(self, 1)?);
        let nret = u64::from(word(self, 2)?);
        if nargs > 16 || nret > 16 {
            return Err(());
        }
        let arg = (0..nargs)
            .map(|i| word(self, 3 + i))
            .collect::<Result<Vec<u32>, ()>>()?;
        let mut rets = vec![0u32; nret as usize];
        let mut stop = None;
        let status = match token {
            rtas::DISPLAY_CHARACTER if nargs == 1 && nret == 1 => {
                self.stdout.push(arg[0] as u8);
                RTAS_OK
            }
            rtas::GET_TIME_OF_DAY if nargs == 0 && nret == 8 => {
                let offset = self.machine_mut().rtc_offset;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                let secs = now.as_secs() as i64 + offset;
                let (y, mo, d) = civil(secs.div_euclid(86_400));
                let t = secs.rem_euclid(86_400);
                let v = [
                    y as u32,
                    mo,
                    d,
                    (t / 3600) as u32,
                    (t / 60 % 60) as u32,
                    (t % 60) as u32,
                    now.subsec_nanos(),
                ];
                rets[1..].copy_from_slice(&v);
                RTAS_OK
            }
            rtas::POWER_OFF if nargs == 2 && nret == 1 => {
                stop = Some(Stop::PowerOff);
                RTAS_OK
            }
            rtas::QUERY_CPU_STOPPED_STATE if nargs == 1 && nret == 2 => {
                if arg[0] == 0 {
                    rets[1] = 2; // running
                    RTAS_OK
                } else {
                    RTAS_PARAM_ERROR
                }
            }
            // The only vCPU (id 0) is running; there is no other to start.
            rtas::START_CPU if nargs == 3 && nret == 1 => {
                if arg[0] == 0 {
                    RTAS_HW_ERROR
                } else {
                    RTAS_PARAM_ERROR
                }
            }
            rtas::STOP_SELF => {
                stop = Some(Stop::Halted);
                RTAS_OK
            }
            _ => RTAS_PARAM_ERROR,
        };
        if let Some(r) = rets.first_mut() {
            *r = status;
        }
        for (i, r) in rets.iter().enumerate() {
            self.mem
                .write(args + 4 * (3 + nargs + i as u64), &r.to_be_bytes())
                .map_err(|_| ())?;
        }
        Ok(stop)
    }
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil(0), (1970, 1, 1));
        assert_eq!(super::civil(20_792), (2026, 12, 5));
        assert_eq!(super::civil(11_016), (2000, 2, 29));
    }
}
