//! The QEMU crossing of `ppc-vm demo`: the bare-metal pseries guest of
//! `tests/data/pseries-guest` booted here and live-migrated into a real
//! `qemu-system-ppc64` mid-run, then run by QEMU and live-migrated into ppc-vm. Each
//! time the console (one side's part, then the other's) must equal an uninterrupted run.

use std::net::TcpListener;
use std::time::Duration;

use ppc_target::compat::MachineType;
use ppc_target::interp::{Guest, Stop};
use ppc_target::models::CpuModel;
use serde_json::json;

use crate::live::{
    connect, listen, migrate_out, us, DestOptions, Incoming, Outcome, SourceOptions,
};
use crate::migration::Receiver;
use crate::qemu::Qemu;

/// The guest (see `tests/data/pseries-guest/guest.S`).
pub const GUEST: &[u8] = include_bytes!("../../tests/data/pseries-guest/guest.elf");

const LIMIT: Duration = Duration::from_secs(120);

fn port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// Runs both directions; the checks (what, passed). `say` gets the progress lines.
pub fn demo(say: &mut dyn FnMut(&str)) -> Result<Vec<(String, bool)>, String> {
    let machine = MachineType::by_name("pseries-7.2").expect("known machine type");
    let p9 = CpuModel::by_name("power9").expect("known model");
    let boot = || Guest::boot_pseries(GUEST, p9, 256 << 20).map_err(|e| e.to_string());
    let mut reference = boot()?;
    let stop = reference.run(u64::MAX);
    let total = reference.steps;
    say(&format!(
        "uninterrupted run in ppc-vm: {total} instructions, {} console lines, {stop}",
        reference.stdout.iter().filter(|&&b| b == b'\n').count()
    ));
    let mut checks = Vec::new();
    let dir = std::env::temp_dir().join(format!("ppc-vm-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;

    // ppc-vm -> QEMU: POWER9 in power8 mode into a QEMU POWER8.
    let mut g = boot()?;
    g.cpu.set_compat(0x0f00_0004).map_err(|e| e.to_string())?;
    let mut q = Qemu::start(
        &dir,
        &[
            "-M",
            "pseries-7.2,x-vof=on",
            "-cpu",
            "POWER8",
            "-incoming",
            "defer",
        ],
    )?;
    let p = port()?;
    q.cmd(
        "migrate-incoming",
        json!({"uri": format!("tcp:127.0.0.1:{p}")}),
    )?;
    let after = total / 3;
    g.run(after);
    let conn = connect(&format!("127.0.0.1:{p}"), Duration::from_secs(10))?;
    let mut printed = 0;
    let mut shown = Vec::new();
    let outcome = migrate_out(
        &mut g,
        machine,
        conn,
        &SourceOptions::default(),
        &mut printed,
        &mut shown,
        &mut |_| {},
    );
    let powered_off = q.wait_exit(LIMIT)?;
    let mut console = g.stdout.clone();
    console.extend_from_slice(&q.console());
    match &outcome {
        Outcome::Migrated(r) => say(&format!(
            "ppc-vm boot --cpu power9 --compat power8 -> qemu-system-ppc64 -cpu POWER8: migrated at instruction {}, {} rounds; downtime at most {:.0} µs; QEMU printed {} lines and powered off",
            r.switch_step,
            r.stats.rounds,
            us(r.stop_to_answer),
            q.console().iter().filter(|&&b| b == b'\n').count(),
        )),
        o => say(&format!("ppc-vm -> QEMU failed: {o:?}")),
    }
    checks.push((
        "ppc-vm -> QEMU: the console (ppc-vm's part, then QEMU's) equals the uninterrupted run, QEMU powers off".to_owned(),
        matches!(outcome, Outcome::Migrated(_)) && powered_off && console == reference.stdout,
    ));
    drop(q);

    // QEMU -> ppc-vm: QEMU runs the guest a while, then migrates it here.
    let kernel = dir.join("guest.elf");
    std::fs::write(&kernel, GUEST).map_err(|e| e.to_string())?;
    let kernel = kernel.to_string_lossy().into_owned();
    let mut q = Qemu::start(
        &dir,
        &[
            "-M",
            "pseries-7.2,x-vof=on",
            "-cpu",
            "POWER9",
            "-kernel",
            &kernel,
        ],
    )?;
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let dest = std::thread::spawn(move || {
        let rx = || Receiver::new(machine, p9, None);
        listen(listener, &rx, &DestOptions::default(), &mut |_| {})
    });
    q.wait_console(20, LIMIT)?;
    q.cmd("migrate", json!({"uri": format!("tcp:{addr}")}))?;
    let status = q.wait_migrated(LIMIT)?;
    let mut console = q.console();
    let (resumed, stop) = match dest.join().map_err(|_| "the destination thread panicked")? {
        Incoming::Resumed(mut g, l) => {
            let stop = g.run(u64::MAX);
            say(&format!(
                "qemu-system-ppc64 (migrate tcp:{addr}) -> ppc-vm: {status}, {} bytes, {} pages in {:.1} ms; QEMU printed {} lines, ppc-vm {} and {stop}",
                l.bytes,
                l.pages,
                l.total.as_secs_f64() * 1e3,
                console.iter().filter(|&&b| b == b'\n').count(),
                g.stdout.iter().filter(|&&b| b == b'\n').count(),
            ));
            console.extend_from_slice(&g.stdout);
            (true, stop)
        }
        other => {
            say(&format!(
                "QEMU -> ppc-vm failed: {}",
                match other {
                    Incoming::Refused(w) | Incoming::NotAStream(w) => w,
                    Incoming::Unknown { reason, .. } => reason,
                    Incoming::Resumed(..) => unreachable!(),
                }
            ));
            (false, Stop::StepLimit)
        }
    };
    checks.push((
        "QEMU -> ppc-vm: the console (QEMU's part, then ppc-vm's) equals the uninterrupted run, the guest powers off".to_owned(),
        resumed && stop == Stop::PowerOff && console == reference.stdout,
    ));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(checks)
}
