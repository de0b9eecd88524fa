//! `ppc-vm`: run ppc64 Linux programs, snapshot and live-migrate them between CPU models,
//! and inspect QEMU streams through the CPU types. A thin CLI over the `ppc-vm` library.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ppc_target::compat::{CompatMode, MachineType};
use ppc_target::interp::{Guest, Stop};
use ppc_target::models::CpuModel;
use ppc_vm::live::{migrate_in, migrate_out, Outcome, SourceOptions};
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

#[derive(Subcommand)]
enum Command {
    /// The main job: live-migrate a built-in guest between CPU models on loopback, then the
    /// refusal and backward-migration cases, checking each against an uninterrupted run.
    Demo,
    /// Run a static ppc64 big-endian Linux executable.
    Run {
        /// The program.
        program: PathBuf,
        #[command(flatten)]
        target: Target,
        /// Write a per-instruction trace in the reference trace format.
        #[arg(long)]
        trace: Option<PathBuf>,
        /// Stop after this many instructions.
        #[arg(long)]
        max_steps: Option<u64>,
        /// Run N instructions, write a snapshot to FILE and exit.
        #[arg(long, num_args = 2, value_names = ["N", "FILE"])]
        save_after: Option<Vec<String>>,
        /// Live-migrate to a `ppc-vm migrate-listen` destination.
        #[arg(long)]
        migrate_to: Option<String>,
        /// With --migrate-to: instructions to run before migrating.
        #[arg(long, default_value_t = 0)]
        after: u64,
        /// With --migrate-to: instructions the guest runs between two RAM rounds.
        #[arg(long, default_value_t = 200_000)]
        round_steps: u64,
    },
    /// Resume a snapshot.
    Restore {
        /// The snapshot.
        file: PathBuf,
        #[command(flatten)]
        target: Target,
    },
    /// Wait for one incoming live migration, then run the guest to completion.
    MigrateListen {
        /// Address to listen on (e.g. 127.0.0.1:4444).
        addr: String,
        #[command(flatten)]
        target: Target,
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

/// The exit status for a stop, with a message on stderr for signals and step limits.
fn finish(stop: Stop) -> ExitCode {
    match stop {
        Stop::Exit(s) => ExitCode::from(s),
        Stop::StepLimit => {
            eprintln!("ppc-vm: stopped at the step limit");
            ExitCode::from(124)
        }
        s => {
            eprintln!("ppc-vm: guest {s}");
            ExitCode::from(s.status().unwrap_or(1))
        }
    }
}

fn run_forwarding(g: &mut Guest, limit: u64, printed: &mut usize) -> Stop {
    let mut left = limit;
    loop {
        let slice = left.min(1 << 20);
        let stop = g.run(slice);
        if g.stdout.len() > *printed {
            emit(&g.stdout[*printed..]);
            *printed = g.stdout.len();
        }
        left -= slice.min(left);
        if stop != Stop::StepLimit || left == 0 {
            return stop;
        }
    }
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
        let w = g.mem.read_u32(pc).unwrap_or(0);
        let image = if w >> 26 == 1 {
            format!("{w:08x}{:08x}", g.mem.read_u32(pc + 4).unwrap_or(0))
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
        Stop::Signal { signal, .. } => out.push_str(&format!("end signal={signal}\n")),
        Stop::StepLimit => {}
    }
    let hex: String = g.stdout.iter().map(|b| format!("{b:02x}")).collect();
    out.push_str(&format!(
        "stdout {}\n",
        if hex.is_empty() { "-" } else { &hex }
    ));
    std::fs::write(path, out).map_err(|e| format!("{}: {e}", path.display()))?;
    emit(&g.stdout[*printed..]);
    *printed = g.stdout.len();
    Ok(stop)
}

fn summary(who: &str, lines: &[String]) {
    for l in lines {
        eprintln!("ppc-vm {who}: {l}");
    }
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
            target,
            trace,
            max_steps,
            save_after,
            migrate_to,
            after,
            round_steps,
        } => {
            let t = resolve(&target)?;
            let image =
                std::fs::read(&program).map_err(|e| format!("{}: {e}", program.display()))?;
            let argv0 = program.to_string_lossy();
            let mut g = Guest::load_elf(&image, t.model, &argv0)
                .map_err(|e| format!("{}: {e}", program.display()))?;
            if let Some(c) = t.compat {
                g.cpu.set_compat(c).map_err(|e| e.to_string())?;
            }
            let limit = max_steps.unwrap_or(u64::MAX);
            let mut printed = 0;
            if let Some(path) = trace {
                return Ok(finish(write_trace(&mut g, &path, limit, &mut printed)?));
            }
            if let Some(v) = save_after {
                let n: u64 = v[0]
                    .parse()
                    .map_err(|_| format!("--save-after: '{}' is not a number", v[0]))?;
                let stop = run_forwarding(&mut g, n, &mut printed);
                if stop != Stop::StepLimit {
                    eprintln!(
                        "ppc-vm: the guest finished before instruction {n}; no snapshot written"
                    );
                    return Ok(finish(stop));
                }
                let (bytes, stats) =
                    migration::snapshot(&mut g, t.machine).map_err(|e| e.to_string())?;
                std::fs::write(&v[1], &bytes).map_err(|e| format!("{}: {e}", v[1]))?;
                eprintln!(
                    "ppc-vm: snapshot after {} instructions: {} pages, {} bytes -> {}",
                    g.steps, stats.pages, stats.bytes, v[1]
                );
                return Ok(ExitCode::SUCCESS);
            }
            if let Some(addr) = migrate_to {
                let stop = run_forwarding(&mut g, after, &mut printed);
                if stop != Stop::StepLimit {
                    eprintln!("ppc-vm: the guest finished before the migration point");
                    return Ok(finish(stop));
                }
                let conn =
                    TcpStream::connect(&addr).map_err(|e| format!("connecting to {addr}: {e}"))?;
                let mut out = std::io::stdout();
                let opts = SourceOptions {
                    slice: round_steps.max(1),
                    ..SourceOptions::default()
                };
                let outcome = migrate_out(
                    &mut g,
                    t.machine,
                    conn,
                    opts,
                    &mut printed,
                    &mut out,
                    &mut |m| eprintln!("ppc-vm source: {m}"),
                );
                match outcome {
                    Outcome::Migrated {
                        stats,
                        total,
                        downtime,
                        answer,
                    } => {
                        summary("source", &[
                            format!("migrated after {} instructions: {} rounds, {} pages, {} bytes", g.steps, stats.rounds, stats.pages, stats.bytes),
                            format!("total {:.1} ms, downtime {:.0} µs (stop to destination's '{answer}')", total.as_secs_f64() * 1e3, downtime.as_secs_f64() * 1e6),
                        ]);
                        return Ok(ExitCode::SUCCESS);
                    }
                    Outcome::Failed { reason } => {
                        eprintln!(
                            "ppc-vm source: migration failed: {reason}; the guest continues here"
                        );
                    }
                    Outcome::GuestStopped(stop) => return Ok(finish(stop)),
                }
            }
            Ok(finish(run_forwarding(&mut g, limit, &mut printed)))
        }
        Command::Restore { file, target } => {
            let t = resolve(&target)?;
            let data = vmstate_tools::input::read_stream(&file).map_err(|e| e.to_string())?;
            let mut g = migration::restore(&data, t.machine, t.model, t.compat)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            let mut printed = 0;
            Ok(finish(run_forwarding(&mut g, u64::MAX, &mut printed)))
        }
        Command::MigrateListen { addr, target } => {
            let t = resolve(&target)?;
            let listener =
                TcpListener::bind(&addr).map_err(|e| format!("listening on {addr}: {e}"))?;
            eprintln!(
                "ppc-vm destination: listening on {}",
                listener.local_addr().map_err(|e| e.to_string())?
            );
            let (conn, peer) = listener.accept().map_err(|e| e.to_string())?;
            let rx = Receiver::new(t.machine, t.model, t.compat);
            let (mut g, arrival) = migrate_in(rx, conn)
                .map_err(|e| format!("incoming migration from {peer} refused: {e}"))?;
            summary(
                "destination",
                &[format!(
                "resumed: {} bytes received in {:.1} ms, downtime {:.0} µs (end of RAM to resume)",
                arrival.bytes,
                arrival.total.as_secs_f64() * 1e3,
                arrival.downtime.as_secs_f64() * 1e6
            )],
            );
            let mut printed = 0;
            Ok(finish(run_forwarding(&mut g, u64::MAX, &mut printed)))
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if e.use_stderr() => {
            eprint!("{e}");
            return ExitCode::from(2);
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
            ExitCode::from(2)
        }
    }
}
