//! `ppc-vm`: inspect QEMU streams through the ppc64 CPU types (and, as the interpreter
//! lands, run, snapshot and migrate guests). A thin CLI over the `ppc-vm` library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ppc-vm",
    version,
    about = "ppc64 guests: inspect, run, snapshot, migrate"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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

fn emit(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("writing output: {e}")),
        _ => Ok(()),
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Inspect { file, verify } => {
            let data = vmstate_tools::input::read_stream(&file).map_err(|e| e.to_string())?;
            let v = ppc_vm::inspect::inspect(&data, verify)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            emit(&(ppc_vm::pretty(&v) + "\n"))?;
            if verify {
                eprintln!(
                    "ppc-vm: {} CPU sections re-encode byte-identically",
                    v.as_object().map_or(0, |m| m.len())
                );
            }
            Ok(ExitCode::SUCCESS)
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
