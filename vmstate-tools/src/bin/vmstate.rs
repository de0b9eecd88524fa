//! `vmstate`: analyze a QEMU migration stream, check two vmstate schemas for
//! compatibility, diff two streams. A thin CLI over `vmstate-tools`.
//!
//! Exit status: 0 success (check: compatible), 1 check found incompatibilities or diff
//! found differences, 2 bad input.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use vmstate_tools::{analyze, check, diff, input};

#[derive(Parser)]
#[command(
    name = "vmstate",
    version,
    about = "QEMU migration streams and vmstate schemas"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Text,
}

#[derive(Subcommand)]
enum Command {
    /// Decode a whole stream (plain or gzip) as QEMU's analyze-migration.py -f does.
    Analyze {
        /// The stream file.
        file: PathBuf,
        /// Print the stream's JSON description instead (analyze-migration.py -d desc).
        #[arg(long)]
        desc: bool,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// The stream has no section footers.
        #[arg(long)]
        no_footers: bool,
    },
    /// Compare two -dump-vmstate JSON files (forward: OLD to NEW; backward: NEW to OLD).
    Check {
        /// Schema of the older release.
        old: PathBuf,
        /// Schema of the newer release.
        new: PathBuf,
    },
    /// List field-by-field differences between two streams.
    Diff {
        /// First stream.
        a: PathBuf,
        /// Second stream.
        b: PathBuf,
    },
}

/// Writes `v` as JSON indented by four spaces, as QEMU's analyzer prints it,
/// straight to a buffered stdout (a whole
/// stream's JSON can be tens of megabytes).
fn emit_json(v: &serde_json::Value) -> Result<(), String> {
    use serde::Serialize;
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        serde_json::ser::PrettyFormatter::with_indent(b"    "),
    );
    let written = v
        .serialize(&mut ser)
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("writing output: {e}")),
        _ => Ok(()),
    }
}

/// Writes to stdout; a closed pipe (`vmstate analyze F | head`) is not an error.
fn emit(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("writing output: {e}")),
        _ => Ok(()),
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let fail = |path: &PathBuf, e: vmstate::Error| format!("{}: {e}", path.display());
    match cli.command {
        Command::Analyze {
            file,
            desc,
            format,
            no_footers,
        } => {
            let data = input::read_stream(&file).map_err(|e| e.to_string())?;
            let v = if desc {
                analyze::description(&data)
            } else {
                analyze::analyze(&data, analyze::Options { no_footers })
            }
            .map_err(|e| fail(&file, e))?;
            match format {
                Format::Json => emit_json(&v)?,
                Format::Text => emit(&diff::text(&v))?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { old, new } => {
            let read = |p: &PathBuf| -> Result<serde_json::Value, String> {
                let raw = input::decompress(
                    std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?,
                )
                .map_err(|e| format!("{}: {e}", p.display()))?;
                serde_json::from_slice(&raw).map_err(|e| format!("{}: not JSON: {e}", p.display()))
            };
            let report = check::check(&read(&old)?, &read(&new)?).map_err(|e| e.to_string())?;
            emit(&report.to_string())?;
            Ok(if report.is_compatible() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Diff { a, b } => {
            let load = |p: &PathBuf| -> Result<serde_json::Value, String> {
                let data = input::read_stream(p).map_err(|e| e.to_string())?;
                analyze::analyze(&data, Default::default()).map_err(|e| fail(p, e))
            };
            let d = diff::diff(&load(&a)?, &load(&b)?);
            let mut text = String::new();
            for x in &d {
                let (va, vb) = (
                    x.a.as_deref().unwrap_or("(absent)"),
                    x.b.as_deref().unwrap_or("(absent)"),
                );
                text.push_str(&format!("{}: {va} -> {vb}\n", x.path));
            }
            emit(&text)?;
            Ok(if d.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
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
            eprintln!("vmstate: {msg}");
            ExitCode::from(2)
        }
    }
}
