//! Lock-step against qemu-ppc64 7.2: every reference trace in
//! tests/data/ppc-programs/traces is reproduced step for step (pc, instruction image,
//! every register after each step, exit status or signal, stdout).

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

use ppc_target::interp::{Guest, Stop};
use ppc_target::models::CpuModel;

fn gunzip(path: PathBuf) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .read_to_end(&mut out)
    .unwrap();
    out
}

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/ppc-programs")
}

type Regs = HashMap<String, u64>;

struct Step {
    pc: u64,
    insn: String,
    changes: Regs,
}

struct Trace {
    init: Regs,
    steps: Vec<Step>,
    end: String,
    stdout: Vec<u8>,
}

fn parse_regs<'a>(tokens: impl Iterator<Item = &'a str>) -> Regs {
    tokens
        .take_while(|t| *t != "#")
        .filter_map(|t| t.split_once('='))
        .map(|(k, v)| (k.to_owned(), u64::from_str_radix(v, 16).unwrap()))
        .collect()
}

fn parse(text: &str) -> Trace {
    let mut t = Trace {
        init: Regs::new(),
        steps: Vec::new(),
        end: String::new(),
        stdout: Vec::new(),
    };
    for line in text.lines() {
        let mut tok = line.split(' ');
        match tok.next() {
            Some("init") => t.init = parse_regs(tok),
            Some("step") => {
                let _i = tok.next();
                let pc = u64::from_str_radix(tok.next().unwrap(), 16).unwrap();
                let insn = tok.next().unwrap().to_owned();
                t.steps.push(Step {
                    pc,
                    insn,
                    changes: parse_regs(tok),
                });
            }
            Some("end") => t.end = tok.next().unwrap().to_owned(),
            Some("stdout") => {
                let hex = tok.next().unwrap();
                if hex != "-" {
                    t.stdout = (0..hex.len())
                        .step_by(2)
                        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                        .collect();
                }
            }
            _ => {}
        }
    }
    t
}

fn regs(g: &Guest) -> Regs {
    let c = &g.cpu;
    let mut r: Regs = (0..32).map(|i| (format!("r{i}"), c.gpr[i])).collect();
    r.insert("cr".into(), u64::from(c.cr()));
    r.insert("xer".into(), c.mfxer());
    r.insert("lr".into(), c.lr);
    r.insert("ctr".into(), c.ctr);
    r.insert("msr".into(), c.msr);
    r
}

fn run_trace(name: &str) {
    let (prog, cpu) = name.split_once('.').unwrap();
    let trace = parse(
        std::str::from_utf8(&gunzip(data().join(format!("traces/{name}.trace.gz")))).unwrap(),
    );
    let elf = gunzip(data().join(format!("bin/{prog}.elf.gz")));
    let model = CpuModel::by_name(cpu).unwrap();
    let mut g = Guest::load_elf(&elf, model, &format!("./{prog}.elf")).unwrap();
    assert_eq!(g.cpu.nip, trace.init["pc"], "{name}: entry point");
    // Registers as QEMU's loader left them (r1 depends on its stack layout).
    for i in 0..32 {
        g.cpu.gpr[i] = trace.init[&format!("r{i}")];
    }
    g.cpu.set_cr(trace.init["cr"] as u32);
    g.cpu.xer = trace.init["xer"];
    g.cpu.lr = trace.init["lr"];
    g.cpu.ctr = trace.init["ctr"];
    g.cpu.msr = trace.init["msr"];
    let mut expect = regs(&g);
    let mut stop = None;
    for (i, step) in trace.steps.iter().enumerate() {
        assert_eq!(g.cpu.nip, step.pc, "{name} step {i}: pc");
        let word = u32::from_be_bytes(g.mem.read::<4>(step.pc).unwrap());
        assert!(
            step.insn.starts_with(&format!("{word:08x}")),
            "{name} step {i}: instruction image"
        );
        stop = g.step();
        if stop.is_some() {
            assert_eq!(
                i,
                trace.steps.len() - 1,
                "{name}: stopped early at step {i}: {stop:?}"
            );
            break;
        }
        expect.extend(step.changes.clone());
        let got = regs(&g);
        for (k, v) in &expect {
            assert_eq!(
                got[k], *v,
                "{name} step {i} (pc {:#x}, insn {}): {k} = {:#x}, QEMU has {v:#x}",
                step.pc, step.insn, got[k]
            );
        }
    }
    let end = match stop.expect("the trace ends with an exit or a signal") {
        Stop::Exit(s) => format!("status={s}"),
        Stop::Signal { signal, .. } => format!("signal={signal}"),
        other => panic!("{name}: a user-mode run ends with an exit or a signal, not {other}"),
    };
    assert_eq!(end, trace.end, "{name}: end");
    assert_eq!(g.stdout, trace.stdout, "{name}: stdout");
}

macro_rules! traces {
    ($($test:ident => $name:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            run_trace($name);
        }
    )*};
}

traces! {
    fib_power9 => "fib.power9",
    fib_v2_power9 => "fib_v2.power9",
    sieve_power9 => "sieve.power9",
    crc_power9 => "crc.power9",
    arith_power9 => "arith.power9",
    arith_power8 => "arith.power8",
    branch_power9 => "branch.power9",
    isa3_power9 => "isa3.power9",
    isa3_power8 => "isa3.power8",
    isa31_power10 => "isa31.power10",
    isa31_power9 => "isa31.power9",
    loop_small_power9 => "loop_small.power9",
    memloop_small_power9 => "memloop_small.power9",
}
