//! Runs a guest program to completion and prints guest MIPS (a quick check; the
//! criterion benchmark is benches/interp.rs).
//!
//! Run: `cargo run --release -p ppc-target --example speed -- PROGRAM.elf [STEPS]`

use std::time::Instant;

use ppc_target::interp::Guest;
use ppc_target::models::CpuModel;

fn main() {
    let path = std::env::args().nth(1).expect("usage: speed PROGRAM.elf");
    let image = std::fs::read(&path).expect("readable ELF");
    let mut g = Guest::load_elf(&image, CpuModel::power9(), &path).expect("loadable ELF");
    // An optional second argument stops after that many instructions.
    let limit = std::env::args()
        .nth(2)
        .map_or(u64::MAX, |n| n.parse().expect("a step count"));
    let t = Instant::now();
    let stop = g.run(limit);
    let s = t.elapsed().as_secs_f64();
    println!(
        "{path}: {stop}, {} instructions in {s:.3} s = {:.0} MIPS",
        g.steps,
        g.steps as f64 / s / 1e6
    );
}
