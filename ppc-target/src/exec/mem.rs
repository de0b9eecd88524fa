//! Fixed-point loads and stores: the access of each `Mem` form (big-endian, sign or
//! zero extension, byte reversal), over the guest's memory or a cached translation,
//! the data accesses in the CPU's byte order, the quadword pairs and the
//! load-and-reserve / store-conditional pairs.

use super::*;

impl CpuState {
    /// Whether data accesses are little-endian (MSR\[LE\]).
    pub fn little_endian(&self) -> bool {
        self.msr & msr::LE != 0
    }

    /// The `N` bytes at `ea` in the order a big-endian access sees them: reversed in
    /// little-endian mode, as the ISA defines an access of `N` bytes under MSR\[LE\].
    pub(super) fn read_data<const N: usize>(
        &self,
        mem: &mut Memory,
        ea: u64,
    ) -> Result<[u8; N], Fault> {
        let mut b = mem.read::<N>(ea)?;
        if self.little_endian() {
            b.reverse();
        }
        Ok(b)
    }

    /// Stores `b` (big-endian order) at `ea` as an access of `N` bytes in the current
    /// byte order.
    pub(super) fn write_data<const N: usize>(
        &self,
        mem: &mut Memory,
        ea: u64,
        mut b: [u8; N],
    ) -> Result<(), Fault> {
        if self.little_endian() {
            b.reverse();
        }
        mem.store(ea, b)
    }

    /// RT ← the high doubleword of the quadword at `ea`, RT+1 ← the low one (the
    /// quadword loads; in little-endian mode the quadword is byte-reversed as a whole).
    pub(super) fn load_pair(&mut self, rt: u8, ea: u64, mem: &mut Memory) -> Result<(), Fault> {
        let q = u128::from_be_bytes(self.read_data::<16>(mem, ea)?);
        self.gpr[(rt & 31) as usize] = (q >> 64) as u64;
        self.gpr[((rt + 1) & 31) as usize] = q as u64;
        Ok(())
    }

    /// The quadword at `ea` ← RS ‖ RS+1 (the quadword stores).
    pub(super) fn store_pair(&self, rs: u8, ea: u64, mem: &mut Memory) -> Result<(), Fault> {
        let hi = u128::from(self.gpr[(rs & 31) as usize]);
        let lo = u128::from(self.gpr[((rs + 1) & 31) as usize]);
        self.write_data(mem, ea, (hi << 64 | lo).to_be_bytes())
    }

    /// `l[bhwdq]arx`: the load, and the reservation of its address and size.
    pub(super) fn load_and_reserve(
        &mut self,
        size: u8,
        rt: u8,
        ea: u64,
        mem: &mut Memory,
        res: &mut Reservation,
    ) -> Result<(), Exception> {
        aligned(ea, size)?;
        let v = match size {
            1 => u64::from(mem.read::<1>(ea).map_err(Exception::Fault)?[0]),
            2 => u64::from(u16::from_be_bytes(
                self.read_data(mem, ea).map_err(Exception::Fault)?,
            )),
            4 => u64::from(u32::from_be_bytes(
                self.read_data(mem, ea).map_err(Exception::Fault)?,
            )),
            8 => u64::from_be_bytes(self.read_data(mem, ea).map_err(Exception::Fault)?),
            // lqarx: the pair RT (high), RT+1 (low).
            _ => {
                self.load_pair(rt, ea, mem).map_err(Exception::Fault)?;
                self.gpr[(rt & 31) as usize]
            }
        };
        self.gpr[(rt & 31) as usize] = v;
        *res = Reservation {
            addr: Some(ea),
            size,
        };
        self.reserve_addr = ea;
        Ok(())
    }

    /// `st[bhwdq]cx.`: the store if the reservation is this address and size; CR0
    /// says which; the reservation is gone either way.
    pub(super) fn store_conditional(
        &mut self,
        size: u8,
        rs: u8,
        ea: u64,
        mem: &mut Memory,
        res: &mut Reservation,
    ) -> Result<(), Exception> {
        aligned(ea, size)?;
        let ok = res.addr == Some(ea) && res.size == size;
        if ok && size == 16 {
            self.store_pair(rs, ea, mem).map_err(Exception::Fault)?;
        } else if ok {
            let mut v = self.gpr[(rs & 31) as usize].to_be_bytes();
            let v = &mut v[8 - size as usize..];
            if self.little_endian() {
                v.reverse();
            }
            mem.write(ea, v).map_err(Exception::Fault)?;
        }
        *res = Reservation::default();
        self.reserve_addr = u64::MAX;
        self.crf[0] = if ok { 2 } else { 0 } | self.so();
        Ok(())
    }

    #[inline(always)]
    pub(super) fn memory(
        &mut self,
        op: Mem,
        rt: u8,
        ea: u64,
        mem: &mut Memory,
    ) -> Result<(), Fault> {
        let r = (rt & 31) as usize;
        if op.is_store() {
            store(op, self.gpr[r], ea, mem)
        } else {
            self.gpr[r] = load(op, ea, mem)?;
            Ok(())
        }
    }
}

/// Fixed-size guest memory accesses: [`Memory`] itself (faulting), or only its cached
/// translations ([`Cached`], which fails without side effects on a miss).
pub(crate) trait Bus {
    type Error;
    fn rd<const N: usize>(&mut self, ea: u64) -> Result<[u8; N], Self::Error>;
    fn wr<const N: usize>(&mut self, ea: u64, data: [u8; N]) -> Result<(), Self::Error>;
}

impl Bus for Memory {
    type Error = Fault;
    #[inline(always)]
    fn rd<const N: usize>(&mut self, ea: u64) -> Result<[u8; N], Fault> {
        self.read(ea)
    }
    #[inline(always)]
    fn wr<const N: usize>(&mut self, ea: u64, data: [u8; N]) -> Result<(), Fault> {
        self.store(ea, data)
    }
}

/// The accesses the translation cache answers alone; `Err(())` means "take the full
/// path" (a miss, or a store that needs dirty or code tracking), nothing was done.
pub(crate) struct Cached<'a>(pub &'a mut Memory);

impl Bus for Cached<'_> {
    type Error = ();
    #[inline(always)]
    fn rd<const N: usize>(&mut self, ea: u64) -> Result<[u8; N], ()> {
        self.0.read_cached(ea).ok_or(())
    }
    #[inline(always)]
    fn wr<const N: usize>(&mut self, ea: u64, data: [u8; N]) -> Result<(), ()> {
        self.0.store_cached(ea, data).then_some(()).ok_or(())
    }
}

/// The value a load operation reads at `ea` (zero- or sign-extended); stores read 0.
#[inline(always)]
pub(crate) fn load<B: Bus>(op: Mem, ea: u64, bus: &mut B) -> Result<u64, B::Error> {
    Ok(match op {
        Mem::Lbz => u64::from(bus.rd::<1>(ea)?[0]),
        Mem::Lhz => u64::from(u16::from_be_bytes(bus.rd(ea)?)),
        Mem::Lha => i16::from_be_bytes(bus.rd(ea)?) as i64 as u64,
        Mem::Lwz => u64::from(u32::from_be_bytes(bus.rd(ea)?)),
        Mem::Lwa => i32::from_be_bytes(bus.rd(ea)?) as i64 as u64,
        Mem::Ld => u64::from_be_bytes(bus.rd(ea)?),
        Mem::Lhbrx => u64::from(u16::from_le_bytes(bus.rd(ea)?)),
        Mem::Lwbrx => u64::from(u32::from_le_bytes(bus.rd(ea)?)),
        Mem::Ldbrx => u64::from_le_bytes(bus.rd(ea)?),
        Mem::Lhabr => i16::from_le_bytes(bus.rd(ea)?) as i64 as u64,
        Mem::Lwabr => i32::from_le_bytes(bus.rd(ea)?) as i64 as u64,
        _ => 0,
    })
}

/// Writes `v` as a store operation does (loads write nothing).
#[inline(always)]
pub(crate) fn store<B: Bus>(op: Mem, v: u64, ea: u64, bus: &mut B) -> Result<(), B::Error> {
    match op {
        Mem::Stb => bus.wr(ea, [v as u8]),
        Mem::Sth => bus.wr(ea, (v as u16).to_be_bytes()),
        Mem::Stw => bus.wr(ea, (v as u32).to_be_bytes()),
        Mem::Std => bus.wr(ea, v.to_be_bytes()),
        Mem::Sthbrx => bus.wr(ea, (v as u16).to_le_bytes()),
        Mem::Stwbrx => bus.wr(ea, (v as u32).to_le_bytes()),
        Mem::Stdbrx => bus.wr(ea, v.to_le_bytes()),
        _ => Ok(()),
    }
}

/// The load-and-reserve and store-conditional forms need an address aligned to their
/// size (an alignment interrupt otherwise).
fn aligned(ea: u64, size: u8) -> Result<(), Exception> {
    if ea % u64::from(size) == 0 {
        Ok(())
    } else {
        Err(Exception::Alignment { ea })
    }
}
