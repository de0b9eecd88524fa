//! Live migration over TCP, with QEMU's semantics made safe: the guest runs exactly
//! once, whatever fails.
//!
//! The source streams RAM in pre-copy rounds while the guest keeps running (rounds are
//! encoded a few pages at a time between guest slices and written by a thread of
//! their own), then stops the guest and sends the last dirty pages and the CPU
//! (stop-and-copy). The stream is QEMU's, with QEMU's commands: it opens the return
//! path (`MIG_CMD_OPEN_RETURN_PATH`) and sends a `MIG_CMD_PING` after every round, which
//! the destination answers with a `PONG` once that round is loaded, so the source knows
//! how far behind the destination is and when the stop-and-copy will be short.
//!
//! # Who runs the guest
//!
//! A first PING of [`proto::PING_CONFIRM`] asks the destination not to resume on its own.
//! A destination that understands it answers with a PONG of [`proto::PONG_WILL_WAIT`];
//! once the whole stream is loaded it sends QEMU's `SHUT(0)` and waits. The source then
//! lets go of the guest and says so with a [`proto::CMD_HANDOVER`] after the stream's
//! end; the destination resumes and answers [`proto::RP_RESUMED`]. So:
//!
//! | what fails | source | destination |
//! |---|---|---|
//! | anything before the source has the `SHUT(0)` (refused connect, unresolvable name, refusal, broken connection, a timeout) | runs the guest on, with the reason | never resumes |
//! | the handover does not arrive | — | saves the guest, "outcome unknown" |
//! | the `RESUMED` answer does not arrive | saves the guest, "outcome unknown" | runs it (when the handover arrived) |
//!
//! A destination that does not know the confirmation step (QEMU) resumes as soon as it
//! loaded and then sends `SHUT(0)`: with it, once the whole stream is written and no
//! answer comes, the outcome is unknown and the source does not resume either (QEMU's
//! source would, and a lost `SHUT` would then run the guest twice).
//!
//! A refusal carries its reason ([`proto::RP_REASON`]) before QEMU's `SHUT(1)`. A
//! listener serves one migration at a time: a second connection is answered "busy", and
//! one that never starts a valid stream (a port probe, an idle or garbage connection) is
//! dropped while the listener keeps waiting.
//!
//! Downtime is measured as QEMU defines it, from the source's stop to the destination's
//! resume, from stamps of the monotonic clock when both run on one host (same boot id);
//! across hosts the source reports stop → `RESUMED` as an upper bound.

pub mod dest;
pub mod proto;
pub mod source;

use std::time::Duration;

pub use dest::{listen, receive, DestOptions, Incoming, Landing};
pub use source::{connect, migrate_out, Outcome, Report, SourceOptions};

/// The default for every network wait (connect, a blocked send, an answer, an idle
/// peer).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A duration in microseconds, for reports.
pub fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
