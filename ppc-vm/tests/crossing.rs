//! A running pseries guest crossing between `ppc-vm` and a real `qemu-system-ppc64`: the
//! committed bare-metal guest (tests/data/pseries-guest) booted in ppc-vm and
//! live-migrated into QEMU mid-run, with QEMU deciding what it accepts. In every case
//! the console (the part printed by ppc-vm, then QEMU's) equals an uninterrupted QEMU
//! run's and the guest powers off once. Skipped when QEMU is missing, unless
//! REQUIRE_QEMU is set.

mod common;

use std::net::TcpListener;
use std::process::Output;
use std::sync::OnceLock;
use std::time::Duration;

use common::bin;
use common::qemu::{have_qemu, pseries_guest, tmp, Qemu};
use serde_json::json;

/// The guest's console in an uninterrupted QEMU run (its output depends on nothing but
/// its code: any model, machine type or emulator prints the same).
fn reference() -> &'static [u8] {
    static REF: OnceLock<Vec<u8>> = OnceLock::new();
    REF.get_or_init(|| {
        let dir = tmp("reference");
        let kernel = pseries_guest();
        let q = Qemu::start(
            &dir,
            &[
                "-M",
                "pseries-7.2,x-vof=on",
                "-cpu",
                "POWER9",
                "-kernel",
                kernel.to_str().unwrap(),
            ],
            true,
        );
        let out = dir.join("console.txt");
        let (st, err) = q.wait_exit(Duration::from_secs(120));
        assert!(st.success(), "QEMU's own run: {st} {err}");
        let con = std::fs::read(out).unwrap();
        assert!(
            con.ends_with(b"done, powering off\n"),
            "{}",
            String::from_utf8_lossy(&con)
        );
        con
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `ppc-vm boot GUEST <ppc_vm> --migrate-to` a QEMU started with `-M machine -cpu cpu
/// -incoming` (listening before ppc-vm connects): ppc-vm's output and QEMU's console,
/// exit status and stderr.
fn into_qemu(
    name: &str,
    machine: &str,
    cpu: &str,
    ppc_vm: &[&str],
) -> (Output, Vec<u8>, bool, String) {
    let dir = tmp(name);
    let mut q = Qemu::start(
        &dir,
        &["-M", machine, "-cpu", cpu, "-incoming", "defer"],
        true,
    );
    let port = free_port();
    q.cmd(
        "migrate-incoming",
        json!({"uri": format!("tcp:127.0.0.1:{port}")}),
    );
    let out = bin()
        .arg("boot")
        .arg(pseries_guest())
        .args(ppc_vm)
        .args([
            "--migrate-to",
            &format!("127.0.0.1:{port}"),
            "--after",
            "150000000",
        ])
        .output()
        .unwrap();
    let console_file = dir.join("console.txt");
    let (st, err) = q.wait_exit(Duration::from_secs(120));
    let console = std::fs::read(console_file).unwrap_or_default();
    (out, console, st.success(), err)
}

#[test]
fn boot_prints_what_qemu_prints() {
    if !have_qemu() {
        return;
    }
    let out = bin().arg("boot").arg(pseries_guest()).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), text(reference()));
}

#[test]
fn a_booted_guest_live_migrates_into_qemu_and_powers_off_there() {
    if !have_qemu() {
        return;
    }
    for (name, machine, cpu, args) in [
        (
            "p9",
            "pseries-7.2,x-vof=on",
            "POWER9",
            &["--cpu", "power9"][..],
        ),
        (
            "p9-compat-p8",
            "pseries-7.2,x-vof=on",
            "POWER8",
            &["--cpu", "power9", "--compat", "power8"][..],
        ),
        (
            "pseries-2.9",
            "pseries-2.9,x-vof=on,cap-htm=off",
            "POWER9",
            &["--cpu", "power9", "--machine", "pseries-2.9"][..],
        ),
    ] {
        let (out, console, qemu_ok, err) = into_qemu(name, machine, cpu, args);
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        assert!(stderr.contains("migrated to"), "{name}: {stderr}");
        assert!(qemu_ok, "{name}: QEMU powers off with status 0: {err}");
        assert!(
            !out.stdout.is_empty() && !console.is_empty(),
            "{name}: handed over mid-run"
        );
        let mut both = out.stdout.clone();
        both.extend_from_slice(&console);
        assert_eq!(
            text(&both),
            text(reference()),
            "{name}: ppc-vm's part, then QEMU's"
        );
    }
}

#[test]
fn qemu_refuses_a_raw_power9_into_power8_and_the_guest_runs_on_in_ppc_vm() {
    if !have_qemu() {
        return;
    }
    let (out, console, qemu_ok, err) = into_qemu(
        "raw-p9",
        "pseries-7.2,x-vof=on",
        "POWER8",
        &["--cpu", "power9"],
    );
    let stderr = text(&out.stderr);
    assert!(!qemu_ok, "QEMU refuses: {err}");
    assert!(
        err.contains("error while loading state for instance 0x0 of device 'cpu'"),
        "{err}"
    );
    assert!(console.is_empty(), "QEMU never ran the guest");
    assert!(stderr.contains("the guest continues here"), "{stderr}");
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        text(&out.stdout),
        text(reference()),
        "the whole run in ppc-vm"
    );
}

/// A QEMU running the guest from its start (console in `dir/console.txt`), driven over
/// QMP.
fn qemu_running_the_guest(dir: &std::path::Path) -> Qemu {
    let kernel = pseries_guest();
    Qemu::start(
        dir,
        &[
            "-M",
            "pseries-7.2,x-vof=on",
            "-cpu",
            "POWER9",
            "-kernel",
            kernel.to_str().unwrap(),
        ],
        true,
    )
}

/// Waits until the console shows `lines` lines (the guest is running mid-way).
fn wait_console(q: &Qemu, lines: usize) {
    let start = std::time::Instant::now();
    while q.console().iter().filter(|&&b| b == b'\n').count() < lines {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the guest does not print"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits for QEMU's outgoing migration to end; its status.
fn wait_migrated(q: &mut Qemu) -> String {
    let start = std::time::Instant::now();
    loop {
        let st = q.cmd("query-migrate", json!({}))["status"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        if !matches!(st.as_str(), "setup" | "active" | "device" | "")
            || start.elapsed() > Duration::from_secs(60)
        {
            return st;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A `ppc-vm migrate-listen` on a free port with `args`, listening once this returns.
fn listen(args: &[&str]) -> (std::process::Child, u16) {
    let port = free_port();
    let mut child = bin()
        .arg("migrate-listen")
        .arg(format!("127.0.0.1:{port}"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first stderr line says it listens.
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut err, &mut line).unwrap();
    assert!(line.contains("listening on"), "{line}");
    // Keep draining stderr into a file-less buffer in the background.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut rest);
        eprint!("{rest}");
    });
    (child, port)
}

#[test]
fn a_guest_running_in_qemu_live_migrates_into_ppc_vm_and_back() {
    if !have_qemu() {
        return;
    }
    // QEMU -> ppc-vm -> QEMU: the guest runs a while in each.
    let back_dir = tmp("round-trip-back");
    let mut back = Qemu::start(
        &back_dir,
        &[
            "-M",
            "pseries-7.2,x-vof=on",
            "-cpu",
            "POWER9",
            "-incoming",
            "defer",
        ],
        true,
    );
    let back_port = free_port();
    back.cmd(
        "migrate-incoming",
        json!({"uri": format!("tcp:127.0.0.1:{back_port}")}),
    );
    let (ppc_vm, port) = listen(&[
        "--migrate-to",
        &format!("127.0.0.1:{back_port}"),
        "--after",
        "150000000",
    ]);
    let dir = tmp("round-trip-first");
    let mut first = qemu_running_the_guest(&dir);
    wait_console(&first, 20);
    first.cmd("migrate", json!({"uri": format!("tcp:127.0.0.1:{port}")}));
    assert_eq!(wait_migrated(&mut first), "completed");
    let first_part = first.console();
    first.quit();
    let out = ppc_vm.wait_with_output().unwrap();
    assert!(out.status.success(), "ppc-vm: {}", text(&out.stderr));
    let (st, err) = back.wait_exit(Duration::from_secs(120));
    assert!(st.success(), "QEMU powers off: {err}");
    let last_part = std::fs::read(back_dir.join("console.txt")).unwrap();
    assert!(
        !out.stdout.is_empty() && !last_part.is_empty(),
        "each ran a part"
    );
    let mut all = first_part;
    all.extend_from_slice(&out.stdout);
    all.extend_from_slice(&last_part);
    assert_eq!(
        text(&all),
        text(reference()),
        "QEMU's part, ppc-vm's, QEMU's"
    );
}

#[test]
fn a_guest_running_in_qemu_finishes_in_ppc_vm() {
    if !have_qemu() {
        return;
    }
    let (ppc_vm, port) = listen(&["--cpu", "power9"]);
    let dir = tmp("into-ppc-vm");
    let mut q = qemu_running_the_guest(&dir);
    wait_console(&q, 10);
    q.cmd("migrate", json!({"uri": format!("tcp:127.0.0.1:{port}")}));
    assert_eq!(wait_migrated(&mut q), "completed");
    let first_part = q.console();
    // QEMU reports the migration completed before its run state moves from
    // finish-migrate to postmigrate; the guest must not run in either.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let st = q.cmd("query-status", json!({}));
        assert_eq!(st["running"], false, "QEMU stopped the guest: {st}");
        if st["status"] == "postmigrate" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "QEMU stays in {st} after the migration"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    q.quit();
    let out = ppc_vm.wait_with_output().unwrap();
    assert!(out.status.success(), "ppc-vm: {}", text(&out.stderr));
    let mut all = first_part;
    all.extend_from_slice(&out.stdout);
    assert_eq!(text(&all), text(reference()), "QEMU's part, then ppc-vm's");
}

/// Boots `guest` (of tests/data/pseries-guest) under QEMU and under ppc-vm: QEMU's
/// console shows `marker` (the guest got that far) and ppc-vm's equals it.
fn console_equals_qemus(guest: &str, marker: &str) {
    if !have_qemu() {
        return;
    }
    let guest = pseries_guest().with_file_name(guest);
    let dir = tmp(guest.file_stem().unwrap().to_str().unwrap());
    let q = Qemu::start(
        &dir,
        &[
            "-M",
            "pseries-7.2,x-vof=on",
            "-cpu",
            "POWER9",
            "-kernel",
            guest.to_str().unwrap(),
        ],
        true,
    );
    let (st, err) = q.wait_exit(Duration::from_secs(60));
    assert!(st.success(), "{err}");
    let qemu = std::fs::read(dir.join("console.txt")).unwrap();
    assert!(text(&qemu).contains(marker), "{}", text(&qemu));
    let out = bin().arg("boot").arg(&guest).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), text(&qemu));
}

#[test]
fn the_supervisor_side_behaves_as_in_qemu() {
    // Interrupts with their SRR0/SRR1 (program, system call, FP unavailable,
    // decrementer), rfid, 32-bit mode, the SLB, hypervisor calls and RTAS, printed by
    // the guest itself: ppc-vm's console equals QEMU's.
    console_equals_qemus("sysmode.elf", "vector   0x0000000000000900");
}

#[test]
fn little_endian_code_runs_as_in_qemu() {
    // H_SET_MODE (little-endian interrupts), rfid into little-endian code, its loads
    // and stores of every kind, a hypervisor call and a system call taken in
    // little-endian mode, what it stored read back big-endian: ppc-vm's console
    // equals QEMU's.
    console_equals_qemus("lemode.elf", "lwarx+   0x0000000000000055");
}
