//! `ppc-vm`: run ppc64 Linux programs, snapshot and live-migrate them between CPU models,
//! and inspect QEMU streams through the CPU types. A thin CLI over the `ppc-vm` library.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use ppc_target::compat::{CompatMode, MachineType};
use ppc_target::interp::{Guest, Stop};
use ppc_target::models::CpuModel;
use ppc_vm::live::{
    connect, listen, migrate_out, us, DestOptions, Incoming, Outcome, SourceOptions,
};
use ppc_vm::migration::{self, Receiver};

#[derive(Parser)]
#[command(
    name = "ppc-vm",
    version,
    about = "ppc64 guests: run, snapshot, live-migrate, inspect"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct Target {
    /// CPU model as QEMU spells it, any case (power9, POWER8, power9_v2.0, ...).
    #[arg(long, default_value = "power9")]
    cpu: String,
    /// Compat mode (power6 ... power10): the guest's mode, or a destination's max-cpu-compat.
    #[arg(long)]
    compat: Option<String>,
    /// Machine type (pseries-7.2 ... pseries-2.7).
    #[arg(long, default_value = "pseries-7.2")]
    machine: String,
}

/// Exit status at `--max-steps`.
const STEP_LIMIT: u8 = 124;
/// Exit status when ppc-vm itself fails (bad input, a refused incoming migration).
const FAILURE: u8 = 125;
/// Exit status when a live migration's outcome is unknown (the guest's state is saved).
const UNKNOWN: u8 = 126;

const STATUSES: &str = "\
Exit status: the guest's own exit status, or 128 + N when a signal N killed it; ppc-vm's own
statuses are 124 (--max-steps reached), 125 (ppc-vm failed: bad input or arguments, an
unreadable file, a refused incoming migration) and 126 (a live migration's outcome is
unknown: the guest's state is saved to --state-file and it runs nowhere), each with a last
stderr line starting 'ppc-vm'. A source whose guest migrated exits 0; the guest's exit
status is then the destination's.";

#[derive(clap::Args, Clone)]
struct Network {
    /// Seconds to wait for the network before giving up: a connect, a blocked send, an
    /// answer, a silent peer.
    #[arg(long, default_value = "10", value_name = "SECONDS", value_parser = positive_secs)]
    timeout: Duration,
    /// Where to save the guest when a migration's outcome is unknown (default:
    /// ppc-vm-unknown-ROLE-PID.mig in the current directory).
    #[arg(long, value_name = "FILE")]
    state_file: Option<PathBuf>,
}

/// What happens to a started guest: run it, snapshot it, or live-migrate it.
#[derive(clap::Args, Clone)]
struct Drive {
    /// Stop the guest once it has run this many instructions in all (across a live
    /// migration too: the destination gets the limit).
    #[arg(long)]
    max_steps: Option<u64>,
    /// Log every system call (hypervisor call for `boot`) on stderr, as qemu-user's
    /// -strace.
    #[arg(long)]
    strace: bool,
    /// Run N instructions, write a snapshot to FILE (atomically) and exit.
    #[arg(long, num_args = 2, value_names = ["N", "FILE"], conflicts_with = "migrate_to")]
    save_after: Option<Vec<String>>,
    /// Live-migrate to a `ppc-vm migrate-listen` destination, or to `qemu-system-ppc64
    /// -incoming tcp:ADDR` for a `boot` guest (HOST:PORT).
    #[arg(long, value_name = "ADDR")]
    migrate_to: Option<String>,
    /// With --migrate-to: start the migration at this instruction (or where the guest
    /// stops, if earlier: its stop then happens at the destination).
    #[arg(long, default_value_t = 0, requires = "migrate_to")]
    after: u64,
    /// With --migrate-to: instructions the guest runs between two looks at the
    /// migration's progress.
    #[arg(long, default_value_t = 20_000, requires = "migrate_to",
          value_parser = clap::value_parser!(u64).range(1..))]
    round_steps: u64,
    /// With --migrate-to: switch over once the pages left would take at most this
    /// many milliseconds to send (QEMU's downtime-limit).
    #[arg(long, default_value = "1", value_name = "MS", requires = "migrate_to",
          value_parser = positive_ms)]
    downtime_limit: Duration,
    #[command(flatten)]
    net: Network,
}

fn positive_secs(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 86_400.0 => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!("'{s}' is not a number of seconds in (0, 86400]")),
    }
}

fn memory_size(s: &str) -> Result<u64, String> {
    let (num, unit) = match s.strip_suffix(['M', 'm']) {
        Some(n) => (n, 1u64 << 20),
        None => match s.strip_suffix(['G', 'g']) {
            Some(n) => (n, 1 << 30),
            None => (s, 1 << 20),
        },
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .filter(|&b| (16 << 20..=64 << 30).contains(&b))
        .ok_or_else(|| format!("'{s}' is not a memory size between 16M and 64G"))
}

fn positive_ms(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 3_600_000.0 => Ok(Duration::from_secs_f64(v / 1e3)),
        _ => Err(format!("'{s}' is not a number of milliseconds above 0")),
    }
}

#[derive(Subcommand)]
enum Command {
    /// The main job: live-migrate a built-in guest between CPU models on loopback, then the
    /// refusal and backward-migration cases, checking each against an uninterrupted run.
    Demo,
    /// Run a static ppc64 Linux executable, big- or little-endian (hand-written or
    /// gcc-built with glibc).
    #[command(after_help = STATUSES)]
    Run {
        /// The program.
        program: PathBuf,
        /// Its arguments (after `--`).
        #[arg(last = true)]
        args: Vec<String>,
        #[command(flatten)]
        target: Target,
        /// Write a per-instruction trace in the reference trace format.
        #[arg(long, conflicts_with_all = ["save_after", "migrate_to"])]
        trace: Option<PathBuf>,
        #[command(flatten)]
        drive: Drive,
    },
    /// Boot a bare-metal pseries guest (an ELF64 big-endian kernel) as `qemu-system-ppc64
    /// -M pseries,x-vof=on -kernel GUEST -nographic -nodefaults` with a spapr-vty console
    /// does: its console on stdout, exit status 0 when it powers off.
    #[command(after_help = STATUSES)]
    Boot {
        /// The guest (QEMU's -kernel).
        guest: PathBuf,
        #[command(flatten)]
        target: Target,
        /// RAM size (QEMU's -m: a number of MiB, or with a suffix M or G).
        #[arg(long, default_value = "256M", value_parser = memory_size)]
        memory: u64,
        #[command(flatten)]
        drive: Drive,
    },
    /// Resume a snapshot.
    #[command(after_help = STATUSES)]
    Restore {
        /// The snapshot.
        file: PathBuf,
        #[command(flatten)]
        target: Target,
        /// Stop the guest after this many instructions (counted from the snapshot).
        #[arg(long)]
        max_steps: Option<u64>,
        /// Log every system call on stderr.
        #[arg(long)]
        strace: bool,
    },
    /// Wait for one incoming live migration (from ppc-vm or from `qemu-system-ppc64`'s
    /// `migrate tcp:ADDR`), then run the guest on: to its end, or on to another
    /// destination with --migrate-to.
    #[command(after_help = STATUSES)]
    MigrateListen {
        /// Address to listen on (e.g. 127.0.0.1:4444).
        addr: String,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        drive: Drive,
    },
    /// Decode every cpu, cpu_common and spapr_cpu section of a QEMU stream (gzip allowed)
    /// through the Rust CPU types and print them as JSON.
    Inspect {
        /// The stream file.
        file: PathBuf,
        /// Re-encode each section and check the bytes are identical.
        #[arg(long)]
        verify: bool,
    },
}

/// The guest's stderr goes to ours as it is written.
fn emit_stderr(g: &mut Guest) {
    if !g.stderr.is_empty() {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(&std::mem::take(&mut g.stderr));
        let _ = err.flush();
    }
}

fn emit(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(bytes);
    let _ = out.flush();
}

struct Resolved {
    model: &'static CpuModel,
    compat: Option<u32>,
    machine: &'static MachineType,
}

fn resolve(t: &Target) -> Result<Resolved, String> {
    let model =
        CpuModel::by_name(&t.cpu).ok_or_else(|| format!("unknown CPU model '{}'", t.cpu))?;
    let compat = t
        .compat
        .as_deref()
        .map(|c| CompatMode::by_name(c).map(|m| m.pvr))
        .transpose()
        .map_err(|e| e.to_string())?;
    let machine = MachineType::by_name(&t.machine)
        .ok_or_else(|| format!("unknown machine type '{}'", t.machine))?;
    Ok(Resolved {
        model,
        compat,
        machine,
    })
}

/// The exit status for a stop, with a message on stderr for signals (naming the
/// instruction) and step limits.
fn finish(stop: Stop, g: &mut Guest) -> ExitCode {
    match stop {
        Stop::Exit(s) => ExitCode::from(s),
        Stop::PowerOff => ExitCode::SUCCESS,
        Stop::StepLimit => {
            eprintln!("ppc-vm: stopped at the step limit");
            ExitCode::from(STEP_LIMIT)
        }
        s @ Stop::Signal { .. } => {
            let pc = g.cpu.nip;
            match g.instruction_word(pc) {
                Ok(w) => eprintln!("ppc-vm: guest {s} at {pc:#x} (instruction {w:08x})"),
                Err(_) => eprintln!("ppc-vm: guest {s} at {pc:#x}"),
            }
            ExitCode::from(s.status().unwrap_or(1))
        }
        s => {
            eprintln!("ppc-vm: guest {s}");
            ExitCode::from(s.status().unwrap_or(1))
        }
    }
}

/// Runs the guest until it stops or has run `until` instructions in all, forwarding
/// its stdout.
fn run_until(g: &mut Guest, until: u64, printed: &mut usize) -> Stop {
    loop {
        let left = until.saturating_sub(g.steps);
        if left == 0 {
            return Stop::StepLimit;
        }
        console_input(g);
        let stop = g.run(left.min(1 << 20));
        if g.stdout.len() > *printed {
            emit(&g.stdout[*printed..]);
            *printed = g.stdout.len();
        }
        emit_stderr(g);
        if stop != Stop::StepLimit {
            return stop;
        }
    }
}

/// Console input of a pseries guest: stdin, read on a thread of its own (started on
/// first use), goes to the vty (H_GET_TERM_CHAR) between slices; at most 4 KiB wait
/// in the vty, the rest stays unread until the guest takes some.
fn console_input(g: &mut Guest) {
    use std::io::Read;
    use std::sync::{mpsc, Mutex, OnceLock};
    static INPUT: OnceLock<Mutex<mpsc::Receiver<u8>>> = OnceLock::new();
    let Some(m) = g.machine.as_mut() else {
        return;
    };
    let rx = INPUT.get_or_init(|| {
        let (tx, rx) = mpsc::sync_channel(4096);
        std::thread::spawn(move || {
            for b in std::io::stdin().lock().bytes() {
                match b {
                    Ok(b) if tx.send(b).is_ok() => {}
                    _ => break,
                }
            }
        });
        Mutex::new(rx)
    });
    let rx = rx.lock().unwrap_or_else(|e| e.into_inner());
    while m.input.len() < 4096 {
        match rx.try_recv() {
            Ok(b) => m.input.push_back(b),
            Err(_) => break,
        }
    }
}

/// Saves a guest whose migration's outcome is unknown; the exit status says so.
fn save_unknown(
    g: &mut Guest,
    machine: &'static MachineType,
    file: Option<PathBuf>,
    who: &str,
    reason: &str,
    other: &str,
) -> ExitCode {
    let path = file.unwrap_or_else(|| {
        PathBuf::from(format!("ppc-vm-unknown-{who}-{}.mig", std::process::id()))
    });
    let saved = migration::snapshot(g, machine)
        .map_err(|e| e.to_string())
        .and_then(|(bytes, _)| migration::save_file(&path, &bytes).map_err(|e| e.to_string()));
    match saved {
        Ok(()) => eprintln!(
            "ppc-vm {who}: outcome unknown: {reason}. The guest is not running here; its state is saved in {}. {other}",
            path.display()
        ),
        Err(e) => eprintln!(
            "ppc-vm {who}: outcome unknown: {reason}. The guest is not running here, and saving its state to {} failed: {e}",
            path.display()
        ),
    }
    ExitCode::from(UNKNOWN)
}

fn write_trace(
    g: &mut Guest,
    path: &PathBuf,
    limit: u64,
    printed: &mut usize,
) -> Result<Stop, String> {
    let regs = |g: &Guest| -> Vec<(String, u64)> {
        let c = &g.cpu;
        let mut r: Vec<(String, u64)> = (0..32).map(|i| (format!("r{i}"), c.gpr[i])).collect();
        r.push(("cr".into(), u64::from(c.cr())));
        r.push(("xer".into(), c.mfxer()));
        r.push(("lr".into(), c.lr));
        r.push(("ctr".into(), c.ctr));
        r.push(("msr".into(), c.msr));
        r
    };
    let fmt = |k: &str, v: u64| {
        if k == "cr" {
            format!("{k}={v:08x}")
        } else {
            format!("{k}={v:016x}")
        }
    };
    let mut out = String::from("# ppc64-be step trace v1 (written by ppc-vm)\n");
    out.push_str(&format!("# cpu: {}\n", g.cpu.model.name));
    let mut before = regs(g);
    out.push_str(&format!(
        "init pc={:016x} msr={:016x} ",
        g.cpu.nip, g.cpu.msr
    ));
    out.push_str(
        &before
            .iter()
            .filter(|(k, _)| k != "msr")
            .map(|(k, v)| fmt(k, *v))
            .collect::<Vec<_>>()
            .join(" "),
    );
    out.push('\n');
    let mut stop = Stop::StepLimit;
    for i in 0..limit {
        let pc = g.cpu.nip;
        let w = g.instruction_word(pc).unwrap_or(0);
        let image = if w >> 26 == 1 {
            format!("{w:08x}{:08x}", g.instruction_word(pc + 4).unwrap_or(0))
        } else {
            format!("{w:08x}")
        };
        let s = g.step();
        let after = regs(g);
        let mut line = format!("step {i} {pc:016x} {image}");
        if s.is_none() {
            for ((k, a), (_, b)) in before.iter().zip(&after) {
                if a != b {
                    line.push(' ');
                    line.push_str(&fmt(k, *b));
                }
            }
        }
        out.push_str(&line);
        out.push('\n');
        before = after;
        if let Some(s) = s {
            stop = s;
            break;
        }
    }
    match stop {
        Stop::Exit(s) => out.push_str(&format!("end status={s}\n")),
        Stop::Signal { signal, .. } | Stop::Killed(signal) => {
            out.push_str(&format!("end signal={signal}\n"))
        }
        Stop::PowerOff => out.push_str("end power-off\n"),
        Stop::StepLimit | Stop::Halted | Stop::Unsupported(_) => {}
    }
    let hex: String = g.stdout.iter().map(|b| format!("{b:02x}")).collect();
    out.push_str(&format!(
        "stdout {}\n",
        if hex.is_empty() { "-" } else { &hex }
    ));
    std::fs::write(path, out).map_err(|e| format!("{}: {e}", path.display()))?;
    emit(&g.stdout[*printed..]);
    *printed = g.stdout.len();
    emit_stderr(g);
    Ok(stop)
}

fn summary(who: &str, lines: &[String]) {
    for l in lines {
        eprintln!("ppc-vm {who}: {l}");
    }
}

/// The host's stdin, as a user-mode guest's fd 0.
fn host_stdin() -> ppc_target::interp::Stdin {
    std::sync::Arc::new(std::sync::Mutex::new(std::io::stdin()))
}

/// Runs a started guest as `drive` says: to its end, to a snapshot, or into a live
/// migration.
fn drive_guest(mut g: Guest, t: &Resolved, drive: Drive) -> Result<ExitCode, String> {
    let Drive {
        max_steps,
        strace,
        save_after,
        migrate_to,
        after,
        round_steps,
        downtime_limit,
        net,
    } = drive;
    g.strace = strace;
    g.stdin = Some(host_stdin());
    let limit = max_steps.unwrap_or(u64::MAX);
    let mut printed = 0;
    if let Some(v) = save_after {
        let n: u64 = v[0]
            .parse()
            .map_err(|_| format!("--save-after: '{}' is not a number", v[0]))?;
        let stop = run_until(&mut g, n.min(limit), &mut printed);
        if stop != Stop::StepLimit || g.steps < n {
            eprintln!("ppc-vm: the guest stopped before instruction {n}; no snapshot written");
            return Ok(finish(stop, &mut g));
        }
        let path = PathBuf::from(&v[1]);
        let saved = migration::snapshot(&mut g, t.machine)
            .map_err(|e| e.to_string())
            .and_then(|(bytes, stats)| {
                migration::save_file(&path, &bytes)
                    .map(|()| stats)
                    .map_err(|e| e.to_string())
            });
        match saved {
            Ok(stats) => {
                eprintln!(
            "ppc-vm: snapshot after {} instructions: {} data pages, {} zero pages, {} bytes -> {}",
            g.steps, stats.pages, stats.zero_pages, stats.bytes, path.display()
        );
                return Ok(ExitCode::SUCCESS);
            }
            Err(e) => eprintln!(
                "ppc-vm: snapshot not written: {}: {e}; the guest continues here",
                path.display()
            ),
        }
    }
    if let Some(addr) = migrate_to {
        // The migration starts at --after, or where the guest stops if earlier.
        run_until(&mut g, after.min(limit), &mut printed);
        let opts = SourceOptions {
            slice: round_steps,
            downtime_limit,
            timeout: net.timeout,
            step_limit: limit,
            ..SourceOptions::default()
        };
        let mut progress = |m: &str| eprintln!("ppc-vm source: {m}");
        let outcome = match connect(&addr, net.timeout) {
            Ok(conn) => {
                progress(&format!("migrating to {addr} from instruction {}", g.steps));
                migrate_out(
                    &mut g,
                    t.machine,
                    conn,
                    &opts,
                    &mut printed,
                    &mut std::io::stdout(),
                    &mut progress,
                )
            }
            Err(reason) => Outcome::Failed { reason },
        };
        match outcome {
            Outcome::Migrated(r) => {
        let s = r.stats;
        let downtime = match r.downtime {
            Some(d) => format!("downtime {:.0} µs (source stop to destination resume, one clock)", us(d)),
            None => format!("downtime at most {:.0} µs (source stop to the destination's answer)", us(r.stop_to_answer)),
        };
        summary("source", &[
            format!("migrated to {addr}: stopped at instruction {}{}; {} rounds, {} data pages, {} zero pages, {} bytes in {:.1} ms",
                r.switch_step,
                r.guest_stop.map_or(String::new(), |s| format!(" (the guest {s} at the destination)")),
                s.rounds, s.pages, s.zero_pages, s.bytes, r.total.as_secs_f64() * 1e3),
            downtime,
        ]);
        return Ok(ExitCode::SUCCESS);
            }
            Outcome::Failed { reason } => eprintln!(
        "ppc-vm source: migration to {addr} failed: {reason}; the guest continues here"
            ),
            Outcome::Unknown { reason } => {
        return Ok(save_unknown(
            &mut g,
            t.machine,
            net.state_file,
            "source",
            &reason,
            "The destination may be running it: restore it only if the destination did not resume it.",
        ))
            }
        }
    }
    Ok(finish(run_until(&mut g, limit, &mut printed), &mut g))
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Demo => {
            let mut out = std::io::stdout();
            let ok = ppc_vm::demo::run(&mut out)?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Inspect { file, verify } => {
            let data = vmstate_tools::input::read_stream(&file).map_err(|e| e.to_string())?;
            let v = ppc_vm::inspect::inspect(&data, verify)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            emit((ppc_vm::pretty(&v) + "\n").as_bytes());
            if verify {
                eprintln!(
                    "ppc-vm: {} CPU sections re-encode byte-identically",
                    v.as_object().map_or(0, |m| m.len())
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            program,
            args,
            target,
            trace,
            drive,
        } => {
            let t = resolve(&target)?;
            let image =
                std::fs::read(&program).map_err(|e| format!("{}: {e}", program.display()))?;
            let argv0 = program.to_string_lossy();
            let argv: Vec<&str> = std::iter::once(&*argv0)
                .chain(args.iter().map(String::as_str))
                .collect();
            let mut g = Guest::load_elf_args(&image, t.model, &argv)
                .map_err(|e| format!("{}: {e}", program.display()))?;
            if let Ok(abs) = std::fs::canonicalize(&program) {
                g.set_exe(&abs.to_string_lossy());
            }
            if let Some(c) = t.compat {
                g.cpu.set_compat(c).map_err(|e| e.to_string())?;
            }
            if let Some(path) = trace {
                let limit = drive.max_steps.unwrap_or(u64::MAX);
                g.strace = drive.strace;
                let stop = write_trace(&mut g, &path, limit, &mut 0)?;
                return Ok(finish(stop, &mut g));
            }
            drive_guest(g, &t, drive)
        }
        Command::Boot {
            guest,
            target,
            memory,
            drive,
        } => {
            let t = resolve(&target)?;
            let image = std::fs::read(&guest).map_err(|e| format!("{}: {e}", guest.display()))?;
            let mut g = Guest::boot_pseries(&image, t.model, memory)
                .map_err(|e| format!("{}: {e}", guest.display()))?;
            if let Some(c) = t.compat {
                g.cpu.set_compat(c).map_err(|e| e.to_string())?;
            }
            drive_guest(g, &t, drive)
        }
        Command::Restore {
            file,
            target,
            max_steps,
            strace,
        } => {
            let t = resolve(&target)?;
            let data = vmstate_tools::input::read_stream(&file).map_err(|e| e.to_string())?;
            let mut g = migration::restore(&data, t.machine, t.model, t.compat)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            g.strace = strace;
            g.stdin = Some(host_stdin());
            let mut printed = 0;
            let limit = max_steps.unwrap_or(u64::MAX);
            Ok(finish(run_until(&mut g, limit, &mut printed), &mut g))
        }
        Command::MigrateListen {
            addr,
            target,
            mut drive,
        } => {
            let net = drive.net.clone();
            let t = resolve(&target)?;
            let listener =
                TcpListener::bind(&addr).map_err(|e| format!("listening on {addr}: {e}"))?;
            eprintln!(
                "ppc-vm destination: listening on {}",
                listener.local_addr().map_err(|e| e.to_string())?
            );
            let rx = || Receiver::new(t.machine, t.model, t.compat);
            let opts = DestOptions {
                timeout: net.timeout,
            };
            let incoming = listen(listener, &rx, &opts, &mut |m| {
                eprintln!("ppc-vm destination: {m}")
            });
            match incoming {
                Incoming::Resumed(g, l) => {
                    let downtime = match l.downtime {
                        Some(d) => format!(
                            "downtime {:.0} µs (source stop to resume, one clock)",
                            us(d)
                        ),
                        None if l.handover.is_some() => {
                            "downtime: the source reports it (the clocks differ)".into()
                        }
                        None => "resumed on loading (the source has no confirmation step)".into(),
                    };
                    summary("destination", &[
                        format!("resumed the guest from {} at instruction {}: {} bytes, {} pages in {:.1} ms",
                            l.peer, g.steps, l.bytes, l.pages, l.total.as_secs_f64() * 1e3),
                        downtime,
                    ]);
                    drive.max_steps = Some(
                        drive
                            .max_steps
                            .unwrap_or(u64::MAX)
                            .min(l.handover.map_or(u64::MAX, |h| h.step_limit)),
                    );
                    drive_guest(*g, &t, drive)
                }
                Incoming::Refused(why) | Incoming::NotAStream(why) => {
                    Err(format!("incoming migration refused: {why}"))
                }
                Incoming::Unknown { mut guest, reason } => Ok(save_unknown(
                    &mut guest,
                    t.machine,
                    net.state_file,
                    "destination",
                    &reason,
                    "The source may have resumed it: restore it only if the source did not run it.",
                )),
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if e.use_stderr() => {
            eprint!("{e}");
            return ExitCode::from(FAILURE);
        }
        Err(e) => {
            print!("{e}");
            return ExitCode::SUCCESS;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("ppc-vm: {msg}");
            ExitCode::from(FAILURE)
        }
    }
}
