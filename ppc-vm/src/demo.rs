//! `ppc-vm demo`: the main job on a built-in guest. A small program runs on POWER9 in
//! power8 compat mode and is live-migrated mid-run over loopback to a POWER8; then the
//! refusal case (a raw POWER9 guest to POWER8) and the backward-migration case (a source
//! told `--machine pseries-2.9`), a gcc-built C program migrated mid-run, and, when
//! `qemu-system-ppc64` is installed, the QEMU crossing of a bare-metal pseries guest (see
//! [`crate::crossing`]). Each result is checked against an uninterrupted run.

use std::io::Write;
use std::net::TcpListener;

use ppc_target::asm::{elf_exec, Asm, DATA_BASE};
use ppc_target::compat::{CompatMode, MachineType};
use ppc_target::interp::{Guest, Stop};
use ppc_target::models::CpuModel;

use crate::live::us;
use crate::live::{
    connect, listen, migrate_out, DestOptions, Incoming, Landing, Outcome, SourceOptions,
};
use crate::migration::Receiver;

/// Rounds of the built-in guest (each rewrites 256 KiB, computes, and prints one `#`).
pub const ROUNDS: i16 = 24;
/// Iterations of each round's arithmetic loop (4 instructions each).
const SPIN: u64 = 300_000;

/// The built-in guest: `ROUNDS` times, a xorshift generator fills a 256 KiB buffer (so
/// every round dirties 64 pages) and folds its values into a checksum, then a loop of
/// arithmetic folds more; it prints one `#`
/// per round, then the checksum in hex, and exits with the checksum's low byte. Only
/// ISA 2.07 instructions, so it runs in power8 compat mode.
pub fn program() -> Vec<u8> {
    let mut a = Asm::new();
    let (buf, x, acc, k, rounds, idx, out) = (20, 21, 22, 23, 24, 25, 27);
    a.li64(out, DATA_BASE);
    a.li64(buf, DATA_BASE + 0x1000);
    a.li64(x, 0x2545_F491_4F6C_DD1D);
    a.li(acc, 0).li(k, 0).li(rounds, ROUNDS);
    let outer = a.label();
    let inner = a.label();
    a.bind(outer);
    a.li(idx, 0).li(26, 0x4000).sldi(26, 26, 1).mtctr(26); // 32768 doublewords
    a.bind(inner);
    a.sldi(6, x, 13)
        .xor(x, x, 6)
        .srdi(6, x, 7)
        .xor(x, x, 6)
        .sldi(6, x, 17)
        .xor(x, x, 6);
    a.xor(7, x, k).stdx(7, buf, idx).addi(idx, idx, 8);
    a.add(acc, acc, x).rotldi(acc, acc, 7);
    a.bdnz(inner);
    // ~1.2 M instructions of arithmetic without stores (a guest computes between the
    // bursts that dirty its buffer).
    let spin = a.label();
    a.li64(26, SPIN).mtctr(26);
    a.bind(spin);
    a.xor(acc, acc, x)
        .rotldi(acc, acc, 5)
        .add(acc, acc, k)
        .bdnz(spin);
    // write(1, "#", 1)
    a.li(3, 1).mr(4, out).li(5, 1).li(0, 4).sc();
    a.addi(k, k, 1).cmpd(k, rounds).blt(outer);
    // "\n" + 16 hex digits + "\n", built at out+1.
    a.addi(28, out, 2).mr(10, acc).li(11, 16).mtctr(11);
    let hex = a.label();
    let digit = a.label();
    a.bind(hex);
    a.srdi(9, 10, 60).cmpdi(9, 10).blt(digit).addi(9, 9, 39);
    a.bind(digit);
    a.addi(9, 9, 48)
        .stb(9, 0, 28)
        .addi(28, 28, 1)
        .sldi(10, 10, 4)
        .bdnz(hex);
    a.li(9, 10).stb(9, 0, 28);
    a.li(3, 1).addi(4, out, 1).li(5, 18).li(0, 4).sc();
    // exit(acc & 0xff)
    a.word(ppc_target::asm::enc::md(3, acc, 0, 56, 0, false))
        .li(0, 1)
        .sc();
    let mut data = vec![0u8; 32];
    data[0] = b'#';
    data[1] = b'\n';
    elf_exec(&a.finish(), &data, 0x41000)
}

/// A finished run: what it printed and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunResult {
    /// Everything written to stdout (by the source and, after a migration, the destination).
    pub stdout: Vec<u8>,
    /// How it ended.
    pub stop: Stop,
}

/// A gcc-built static glibc program (`tests/data/c-programs/src/work.c`): sieves,
/// sorting, formatting and floating point in twelve rounds; the big-endian ppc64 build,
/// or the little-endian ppc64le one.
pub fn c_program(little_endian: bool) -> Vec<u8> {
    let gz: &[u8] = if little_endian {
        include_bytes!("../../tests/data/c-programs/bin/work-le.elf.gz")
    } else {
        include_bytes!("../../tests/data/c-programs/bin/work.elf.gz")
    };
    vmstate_tools::input::decompress(gz.to_vec()).expect("the bundled program unpacks")
}

fn guest(model: &str, compat: Option<&str>) -> Guest {
    guest_of(&program(), model, compat)
}

fn guest_of(elf: &[u8], model: &str, compat: Option<&str>) -> Guest {
    let mut g = Guest::load_elf(elf, CpuModel::by_name(model).expect("model"), "demo")
        .expect("built-in guest");
    if let Some(c) = compat {
        g.cpu
            .set_compat(CompatMode::by_name(c).expect("mode").pvr)
            .expect("mode valid for the model");
    }
    g
}

/// Runs the built-in guest without migration.
pub fn reference(model: &str, compat: Option<&str>) -> RunResult {
    reference_of(&program(), model, compat)
}

/// Runs a program without migration.
pub fn reference_of(elf: &[u8], model: &str, compat: Option<&str>) -> RunResult {
    let mut g = guest_of(elf, model, compat);
    let stop = g.run(u64::MAX);
    RunResult {
        stdout: g.stdout,
        stop,
    }
}

/// One migration attempt of the built-in guest over loopback.
pub struct Trial {
    /// The combined result (source then destination).
    pub result: RunResult,
    /// What the source saw.
    pub outcome: Outcome,
    /// What the destination measured, when it resumed the guest.
    pub landing: Option<Landing>,
    /// The destination's refusal, when it refused.
    pub refusal: Option<String>,
}

/// Starts the guest on (`src_model`, `src_compat`, `src_machine`), migrates it after
/// `after` instructions to a destination (`dst_model`, `dst_machine`) on loopback, and
/// finishes it wherever it ends up.
pub fn trial(
    src: (&str, Option<&str>, &str),
    dst: (&str, Option<&str>, &str),
    after: u64,
    progress: &mut dyn FnMut(&str),
) -> Result<Trial, String> {
    trial_of(&program(), src, dst, after, progress)
}

/// [`trial`] of another program.
pub fn trial_of(
    elf: &[u8],
    src: (&str, Option<&str>, &str),
    dst: (&str, Option<&str>, &str),
    after: u64,
    progress: &mut dyn FnMut(&str),
) -> Result<Trial, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let dst_machine = MachineType::by_name(dst.2).ok_or("unknown machine type")?;
    let dst_model = CpuModel::by_name(dst.0).ok_or("unknown model")?;
    let dst_compat = dst
        .1
        .map(|c| CompatMode::by_name(c).map(|m| m.pvr))
        .transpose()
        .map_err(|e| e.to_string())?;
    let destination = std::thread::spawn(move || -> Result<(RunResult, Landing), String> {
        let rx = || Receiver::new(dst_machine, dst_model, dst_compat);
        match listen(listener, &rx, &DestOptions::default(), &mut |_| {}) {
            Incoming::Resumed(mut g, landing) => {
                let stop = g.run(u64::MAX);
                Ok((
                    RunResult {
                        stdout: g.stdout,
                        stop,
                    },
                    landing,
                ))
            }
            Incoming::Refused(e) | Incoming::NotAStream(e) => Err(e),
            Incoming::Unknown { reason, .. } => Err(format!("outcome unknown: {reason}")),
        }
    });

    let mut g = guest_of(elf, src.0, src.1);
    let src_machine = MachineType::by_name(src.2).ok_or("unknown machine type")?;
    let first = g.run(after);
    if first != Stop::StepLimit {
        return Err("the guest finished before the migration point".into());
    }
    let opts = SourceOptions::default();
    let conn = connect(&addr.to_string(), opts.timeout)?;
    let mut printed = g.stdout.len();
    let mut sink = std::io::sink();
    let outcome = migrate_out(
        &mut g,
        src_machine,
        conn,
        &opts,
        &mut printed,
        &mut sink,
        progress,
    );
    let dest = destination
        .join()
        .map_err(|_| "destination thread panicked")?;
    Ok(match (&outcome, dest) {
        (Outcome::Migrated(_), Ok((after, landing))) => {
            let mut stdout = g.stdout.clone();
            stdout.extend_from_slice(&after.stdout);
            Trial {
                result: RunResult {
                    stdout,
                    stop: after.stop,
                },
                outcome,
                landing: Some(landing),
                refusal: None,
            }
        }
        (Outcome::Failed { .. }, dest) => {
            // Refused (or broken): the source guest runs on to completion.
            let stop = g.run(u64::MAX);
            Trial {
                result: RunResult {
                    stdout: g.stdout.clone(),
                    stop,
                },
                outcome,
                landing: None,
                refusal: dest.err(),
            }
        }
        (o, d) => return Err(format!("source: {o:?}; destination: {:?}", d.err())),
    })
}

fn show(r: &RunResult) -> String {
    let text = String::from_utf8_lossy(&r.stdout);
    format!("{} ({})", text.trim_end().replace('\n', " "), r.stop)
}

/// Runs the whole demo, writing a report; returns whether every check passed.
pub fn run(out: &mut dyn Write) -> Result<bool, String> {
    let mut ok = true;
    let mut check = |out: &mut dyn Write, what: &str, pass: bool| -> Result<(), String> {
        ok &= pass;
        writeln!(out, "   {} {what}", if pass { "ok  " } else { "FAIL" }).map_err(|e| e.to_string())
    };
    let w = |out: &mut dyn Write, s: String| writeln!(out, "{s}").map_err(|e| e.to_string());
    let reference_run = reference("power9", Some("power8"));
    let mut g = guest("power9", Some("power8"));
    g.run(u64::MAX);
    let total_steps = g.steps;
    let after = total_steps / 3;
    w(out, format!("ppc-vm demo: a built-in guest ({total_steps} instructions; each of its {ROUNDS} rounds rewrites 256 KiB and prints '#')"))?;
    w(
        out,
        format!("   uninterrupted run: {}", show(&reference_run)),
    )?;

    w(
        out,
        "\n1. Live migration: POWER9 in power8 compat mode -> POWER8, pseries-7.2, over loopback"
            .into(),
    )?;
    let mut log = Vec::new();
    let t = trial(
        ("power9", Some("power8"), "pseries-7.2"),
        ("power8", None, "pseries-7.2"),
        after,
        &mut |m| log.push(m.to_owned()),
    )?;
    for l in &log {
        w(out, format!("   source: {l}"))?;
    }
    match (&t.outcome, &t.landing) {
        (Outcome::Migrated(r), Some(l)) => {
            let s = &r.stats;
            w(out, format!(
                "   migrated: stopped at instruction {} (migration started at {after}); {} rounds, {} data pages, {} zero pages, {} bytes; total {:.1} ms",
                r.switch_step,
                s.rounds,
                s.pages,
                s.zero_pages,
                s.bytes,
                r.total.as_secs_f64() * 1e3,
            ))?;
            w(out, match r.downtime.or(l.downtime) {
                Some(d) => format!(
                    "   downtime {:.0} µs: source stop to destination resume, stamps of one clock",
                    us(d)
                ),
                None => format!(
                    "   downtime at most {:.0} µs (source stop to the destination's answer; the clocks differ)",
                    us(r.stop_to_answer)
                ),
            })?;
            w(out, format!("   result: {}", show(&t.result)))?;
            check(
                out,
                "the migrated run equals the uninterrupted run",
                t.result == reference_run,
            )?;
        }
        (o, _) => {
            w(out, format!("   migration failed: {o:?} {:?}", t.refusal))?;
            check(out, "the migration succeeded", false)?;
        }
    }

    w(
        out,
        "\n2. Refusal: POWER9 in raw mode -> POWER8 (no compat mode to fall back on)".into(),
    )?;
    let raw_reference = reference("power9", None);
    let t = trial(
        ("power9", None, "pseries-7.2"),
        ("power8", None, "pseries-7.2"),
        after,
        &mut |_| {},
    )?;
    w(
        out,
        format!(
            "   destination said: {}",
            t.refusal.clone().unwrap_or_else(|| "(nothing)".into())
        ),
    )?;
    check(
        out,
        "the destination refused",
        matches!(t.outcome, Outcome::Failed { .. }),
    )?;
    w(out, format!("   source ran on: {}", show(&t.result)))?;
    check(
        out,
        "the source finished exactly as an uninterrupted run",
        t.result == raw_reference,
    )?;

    w(
        out,
        "\n3. Backward migration: the source targets pseries-2.9 (which predates cpu/compat)"
            .into(),
    )?;
    let mut g = guest("power9", Some("power8"));
    g.run(after);
    let (stream, _) =
        crate::migration::snapshot(&mut g, MachineType::by_name("pseries-2.9").expect("known"))
            .map_err(|e| e.to_string())?;
    let has_compat = stream.windows(10).any(|w| w == b"cpu/compat");
    check(
        out,
        "the pseries-2.9 stream leaves cpu/compat out",
        !has_compat,
    )?;
    let t = trial(
        ("power9", Some("power8"), "pseries-2.9"),
        ("power9", None, "pseries-2.9"),
        after,
        &mut |_| {},
    )?;
    w(
        out,
        format!(
            "   pseries-2.9 POWER9 destination: {}",
            if t.landing.is_some() {
                "accepted"
            } else {
                "refused"
            }
        ),
    )?;
    check(
        out,
        "the older machine type accepted it and the run completed identically",
        t.landing.is_some() && t.result == reference_run,
    )?;

    w(
        out,
        "\n4. A gcc-built C program (static glibc: sieves, qsort, printf, floating point), POWER9 in power8 compat mode -> POWER8, mid-run".into(),
    )?;
    for (little, build) in [(false, "big-endian ppc64"), (true, "little-endian ppc64le")] {
        let elf = c_program(little);
        let c_reference = reference_of(&elf, "power8", None);
        let mut g = guest_of(&elf, "power8", None);
        g.run(u64::MAX);
        let c_after = g.steps / 3;
        let t = trial_of(
            &elf,
            ("power9", Some("power8"), "pseries-7.2"),
            ("power8", None, "pseries-7.2"),
            c_after,
            &mut |_| {},
        )?;
        let last = |r: &RunResult| {
            let text = String::from_utf8_lossy(&r.stdout);
            format!(
                "{} lines, last \"{}\" ({})",
                text.lines().count(),
                text.lines().last().unwrap_or(""),
                r.stop
            )
        };
        match &t.outcome {
            Outcome::Migrated(r) => w(
                out,
                format!(
                    "   {build}: migrated at instruction {} of {}; downtime {}",
                    r.switch_step,
                    g.steps,
                    r.downtime
                        .map_or_else(|| "unknown".to_owned(), |d| format!("{:.0} µs", us(d)))
                ),
            )?,
            o => w(out, format!("   {build}: migration failed: {o:?}"))?,
        }
        w(out, format!("   result: {}", last(&t.result)))?;
        check(
            out,
            &format!("the migrated {build} C program equals its uninterrupted run"),
            matches!(t.outcome, Outcome::Migrated(_))
                && matches!(c_reference.stop, Stop::Exit(_))
                && t.result == c_reference,
        )?;
    }

    w(
        out,
        "\n5. The QEMU crossing: a bare-metal pseries guest between ppc-vm and qemu-system-ppc64"
            .into(),
    )?;
    if crate::qemu::available() {
        for (what, pass) in crate::crossing::demo(&mut |l| {
            let _ = writeln!(out, "   {l}");
        })? {
            check(out, &what, pass)?;
        }
    } else {
        w(out, "   qemu-system-ppc64 is not installed (Debian: apt-get install qemu-system-ppc): skipped".into())?;
    }

    w(
        out,
        if ok {
            "\nAll checks passed.".into()
        } else {
            "\nSome checks FAILED.".into()
        },
    )?;
    Ok(ok)
}
