//! The messages of a live migration besides the stream itself, framed as QEMU frames
//! them: commands inside the stream (`QEMU_VM_COMMAND`: be16 command, be16 length,
//! payload) and messages on the return path from the destination (be16 type, be16
//! length, payload). QEMU's own messages keep QEMU's numbers; ours use numbers from
//! 0x7e00 on, sent only where QEMU never reads (after the stream's end) or where QEMU
//! would fail the migration anyway (a refusal's reason).

use std::io::{self, Read};

/// `MIG_CMD_OPEN_RETURN_PATH`: the destination may answer on the connection.
pub const CMD_OPEN_RETURN_PATH: u16 = 1;
/// `MIG_CMD_PING`: the destination answers with a PONG of the same value once every
/// record before it is loaded.
pub const CMD_PING: u16 = 2;
/// Ours, after the stream's end: the source has let go of the guest; the destination
/// resumes it. Payload: [`Handover`].
pub const CMD_HANDOVER: u16 = 0x7e01;

/// `MIG_RP_MSG_SHUT`: the destination sends no more (be32 0: loaded, 1: failed).
pub const RP_SHUT: u16 = 1;
/// `MIG_RP_MSG_PONG`: the answer to a PING (be32 value).
pub const RP_PONG: u16 = 2;
/// Ours: why the destination refuses (UTF-8 text), sent just before `SHUT(1)`.
pub const RP_REASON: u16 = 0x7e01;
/// Ours: the destination resumed the guest after a handover. Payload: [`Resumed`].
pub const RP_RESUMED: u16 = 0x7e02;

/// A PING value: "wait for my handover before resuming". A destination that knows the
/// confirmation step answers with the PONG and then a PONG of [`PONG_WILL_WAIT`]; one
/// that does not (QEMU) answers with the PONG alone and resumes as soon as it loaded.
pub const PING_CONFIRM: u32 = 0x7070_6376;
/// An unsolicited PONG value: the destination will wait for [`CMD_HANDOVER`].
pub const PONG_WILL_WAIT: u32 = 0x7070_6377;
/// PING values below this count pre-copy rounds (PING n follows round n).
pub const ROUND_PINGS: u32 = 0x7000_0000;

/// A return-path message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rp {
    /// `SHUT`: 0 when the whole stream loaded, nonzero when it failed.
    Shut(u32),
    /// `PONG` with a PING's value.
    Pong(u32),
    /// Why the destination refuses.
    Reason(String),
    /// The destination resumed the guest.
    Resumed(Resumed),
}

impl Rp {
    /// The message's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let (t, payload) = match self {
            Rp::Shut(v) => (RP_SHUT, v.to_be_bytes().to_vec()),
            Rp::Pong(v) => (RP_PONG, v.to_be_bytes().to_vec()),
            Rp::Reason(s) => {
                let mut b = s.as_bytes().to_vec();
                b.truncate(u16::MAX as usize);
                (RP_REASON, b)
            }
            Rp::Resumed(r) => (RP_RESUMED, r.encode()),
        };
        let mut out = Vec::with_capacity(4 + payload.len());
        out.extend_from_slice(&t.to_be_bytes());
        out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Reads one message; `Ok(None)` when the connection ended cleanly before one.
    pub fn read(r: &mut impl Read) -> io::Result<Option<Rp>> {
        let mut head = [0u8; 4];
        match r.read(&mut head[..1])? {
            0 => return Ok(None),
            _ => r.read_exact(&mut head[1..])?,
        }
        let t = u16::from_be_bytes([head[0], head[1]]);
        let len = u16::from_be_bytes([head[2], head[3]]) as usize;
        let mut payload = vec![0u8; len];
        r.read_exact(&mut payload)?;
        let bad = |what: &str| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("return path: {what} (message type {t:#06x}, {len} bytes)"),
            )
        };
        let be32 = |p: &[u8]| -> io::Result<u32> {
            Ok(u32::from_be_bytes(
                p.try_into().map_err(|_| bad("bad length"))?,
            ))
        };
        Ok(Some(match t {
            RP_SHUT => Rp::Shut(be32(&payload)?),
            RP_PONG => Rp::Pong(be32(&payload)?),
            RP_REASON => Rp::Reason(String::from_utf8_lossy(&payload).into_owned()),
            RP_RESUMED => Rp::Resumed(Resumed::decode(&payload).ok_or_else(|| bad("bad length"))?),
            _ => return Err(bad("unknown message")),
        }))
    }
}

/// What the source tells the destination when it lets go of the guest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handover {
    /// When the source stopped the guest, on its monotonic clock (ns).
    pub stopped_ns: u64,
    /// The source host's boot id: the same id means the same monotonic clock.
    pub boot_id: String,
    /// Instructions the guest ran so far.
    pub steps: u64,
    /// The guest's instruction limit (`u64::MAX`: none).
    pub step_limit: u64,
}

impl Handover {
    /// The command payload.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(64);
        b.extend_from_slice(&self.stopped_ns.to_be_bytes());
        b.extend_from_slice(&self.steps.to_be_bytes());
        b.extend_from_slice(&self.step_limit.to_be_bytes());
        let id = &self.boot_id.as_bytes()[..self.boot_id.len().min(255)];
        b.push(id.len() as u8);
        b.extend_from_slice(id);
        b
    }

    /// Parses a command payload.
    pub fn decode(p: &[u8]) -> Option<Self> {
        let word = |i: usize| Some(u64::from_be_bytes(p.get(i..i + 8)?.try_into().ok()?));
        let n = *p.get(24)? as usize;
        let id = p.get(25..25 + n)?;
        (p.len() == 25 + n).then_some(())?;
        Some(Handover {
            stopped_ns: word(0)?,
            steps: word(8)?,
            step_limit: word(16)?,
            boot_id: String::from_utf8_lossy(id).into_owned(),
        })
    }

    /// The command record (after the stream's end).
    pub fn record(&self) -> Vec<u8> {
        command(CMD_HANDOVER, &self.encode())
    }
}

/// What the destination answers once it resumed after a handover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resumed {
    /// When it resumed the guest, on its monotonic clock (ns).
    pub resumed_ns: u64,
    /// Whether its boot id equals the source's (the two stamps compare).
    pub same_clock: bool,
}

impl Resumed {
    fn encode(&self) -> Vec<u8> {
        let mut b = self.resumed_ns.to_be_bytes().to_vec();
        b.push(u8::from(self.same_clock));
        b
    }

    fn decode(p: &[u8]) -> Option<Self> {
        (p.len() == 9).then_some(())?;
        Some(Resumed {
            resumed_ns: u64::from_be_bytes(p[..8].try_into().ok()?),
            same_clock: p[8] == 1,
        })
    }
}

/// A command record: `QEMU_VM_COMMAND`, be16 command, be16 length, payload.
pub fn command(cmd: u16, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![vmstate::stream::kind::COMMAND];
    b.extend_from_slice(&cmd.to_be_bytes());
    b.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    b.extend_from_slice(payload);
    b
}

/// The monotonic clock in nanoseconds (one clock for every process of a host).
pub fn now_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    (t.tv_sec as u64) * 1_000_000_000 + t.tv_nsec as u64
}

/// This host's boot id (empty when unknown: then no two stamps compare).
pub fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip() {
        for m in [
            Rp::Shut(0),
            Rp::Shut(1),
            Rp::Pong(PONG_WILL_WAIT),
            Rp::Reason("machine type mismatch".into()),
            Rp::Resumed(Resumed {
                resumed_ns: 123,
                same_clock: true,
            }),
        ] {
            let b = m.encode();
            assert_eq!(Rp::read(&mut &b[..]).unwrap(), Some(m));
        }
        assert_eq!(
            Rp::Shut(1).encode(),
            [0, 1, 0, 4, 0, 0, 0, 1],
            "QEMU's SHUT"
        );
        assert_eq!(Rp::read(&mut &[][..]).unwrap(), None);
        assert!(Rp::read(&mut &[0u8, 9, 0, 0][..]).is_err());
        assert!(Rp::read(&mut &[0u8, 1, 0, 4, 0][..]).is_err(), "truncated");
        let h = Handover {
            stopped_ns: 5,
            boot_id: "b".into(),
            steps: 7,
            step_limit: u64::MAX,
        };
        assert_eq!(Handover::decode(&h.encode()), Some(h));
        assert_eq!(Handover::decode(&[0; 10]), None);
    }
}
