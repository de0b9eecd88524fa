//! Hostile input without a fuzzer: seeded mutations (bit flips, truncations, insertions,
//! corrupted counts and lengths) of real QEMU cpu sections and streams. For each: no
//! panic, no allocation beyond a bound (a counting allocator), an error that names a
//! path and an offset, and the target object unchanged after a failed load.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Read;
use std::path::PathBuf;

use ppc_target::compat::context_for;
use ppc_target::models::CpuModel;
use ppc_target::CpuState;
use vmstate::VmState;

/// Counts the bytes each thread has allocated and not freed, and the peak.
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn note(delta: isize) {
    let _ = LIVE.try_with(|l| {
        let v = l.get() + delta;
        l.set(v);
        let _ = PEAK.try_with(|p| {
            if v > p.get() {
                p.set(v)
            }
        });
    });
}

// SAFETY: every call is forwarded to the system allocator unchanged; the counters are
// thread-local cells that never allocate.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as isize);
        // SAFETY: same layout contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-(layout.size() as isize));
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size as isize - layout.size() as isize);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` and returns its result and the peak extra bytes it allocated.
fn measure<T>(f: impl FnOnce() -> T) -> (T, isize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let r = f();
    (r, PEAK.with(Cell::get) - base)
}

fn gunzip(path: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data")
        .join(path);
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(p).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation of `data`; `hot` are offsets of counts, lengths and headers worth hitting.
fn mutate(rng: &mut Rng, data: &[u8], hot: &[usize]) -> Vec<u8> {
    let mut d = data.to_vec();
    let last = d.len() - 1;
    let at = if !hot.is_empty() && rng.below(2) == 0 {
        hot[rng.below(hot.len())]
    } else {
        rng.below(d.len())
    };
    match rng.below(6) {
        0 => d[at.min(last)] ^= 1 << rng.below(8),
        1 => d.truncate(at),
        2 => {
            let n = 1 + rng.below(16);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            d.splice(at..at, bytes);
        }
        3 => {
            // A count or length replaced by an extreme value.
            let v: u32 = [
                0,
                1,
                0x7FFF_FFFF,
                0x8000_0000,
                0xFFFF_FFFF,
                0x8100_0000,
                256,
                65535,
            ][rng.below(8)];
            let end = (at + 4).min(d.len());
            let b = v.to_be_bytes();
            d[at..end].copy_from_slice(&b[..end - at]);
        }
        4 => d
            .drain(at..(at + 1 + rng.below(64)).min(d.len()))
            .for_each(drop),
        _ => d[at.min(last)] = rng.next() as u8,
    }
    d
}

/// Offsets of the subsection headers (0x05, length, name, version) in a cpu body.
fn cpu_hot(body: &[u8]) -> Vec<usize> {
    let mut hot = Vec::new();
    for i in 8528..body.len().saturating_sub(2) {
        if body[i] == 5
            && body[i + 1] > 4
            && body[i + 1] < 16
            && body.get(i + 2..i + 6) == Some(b"cpu/")
        {
            hot.extend([
                i,
                i + 1,
                i + 2 + body[i + 1] as usize,
                i + 5 + body[i + 1] as usize,
            ]);
        }
    }
    hot.extend([0, 2600, 2604, 8504, 8512]);
    hot
}

#[test]
fn mutated_cpu_sections() {
    let seed = 0xC0FFEE;
    let mut rng = Rng(seed);
    let bodies = [
        "p9-regs-vof-run",
        "p9-compat-p8-prelaunch",
        "pseries-2.7-p8-prelaunch",
        "ppc64-mac99-970fx-prelaunch",
    ];
    let mut count = 0;
    let mut rejected = 0;
    for name in bodies {
        let body = gunzip(&format!("qemu-7.2/cpu/{name}.cpu-0.body.bin.gz"));
        let machine = match name {
            n if n.starts_with("pseries-2.7") => "pseries-2.7",
            n if n.starts_with("ppc64-mac99") => "mac99",
            _ => "pseries-7.2",
        };
        let cx = context_for(machine);
        let pvr = u32::from_be_bytes(body[2604..2608].try_into().unwrap());
        let model = CpuModel::by_pvr(pvr).unwrap();
        let hot = cpu_hot(&body);
        for _ in 0..26_000 {
            let input = mutate(&mut rng, &body, &hot);
            let mut cpu = CpuState::new(model);
            let before = cpu.clone();
            let (r, peak) = measure(|| cpu.load(&input, 5, &cx));
            assert!(peak < 256 * 1024, "{name}: a load allocated {peak} bytes");
            if let Err(e) = r {
                rejected += 1;
                assert!(e.offset().is_some(), "{name}: error without offset: {e}");
                assert!(
                    e.path().starts_with("cpu"),
                    "{name}: error without a path: {e}"
                );
                assert!(cpu == before, "{name}: failed load changed the target: {e}");
            }
            count += 1;
        }
    }
    assert!(count >= 100_000);
    eprintln!("{count} mutated cpu sections, {rejected} rejected cleanly (seed {seed:#x})");
}

#[test]
fn mutated_streams() {
    let mut rng = Rng(0xBADC0DE);
    // A small stream of our own (all record kinds but commands) and a real QEMU one.
    let elf = ppc_vm::demo::program();
    let mut g = ppc_target::interp::Guest::load_elf(&elf, CpuModel::power9(), "m").unwrap();
    g.run(1000);
    let machine = ppc_target::compat::MachineType::latest();
    let (ours, _) = ppc_vm::migration::snapshot(&mut g, machine).unwrap();
    let (_, layout) =
        vmstate_tools::analyze::analyze_with_layout(&ours, Default::default()).unwrap();
    let hot: Vec<usize> = layout
        .iter()
        .flat_map(|&o| [o as usize, o as usize + 1, o as usize + 5, o as usize + 6])
        .collect();
    let mut rejected = 0;
    for i in 0..400 {
        let input = mutate(&mut rng, &ours, &hot);
        let (r, peak) = measure(|| vmstate_tools::analyze::analyze(&input, Default::default()));
        assert!(
            peak < 64 << 20,
            "mutation {i}: analyze allocated {peak} bytes"
        );
        if let Err(e) = r {
            rejected += 1;
            assert!(e.offset().is_some(), "mutation {i}: {e}");
        }
        let (r, peak) =
            measure(|| ppc_vm::migration::restore(&input, machine, CpuModel::power9(), None));
        assert!(
            peak < 128 << 20,
            "mutation {i}: restore allocated {peak} bytes"
        );
        if let Err(e) = r {
            assert!(e.offset().is_some(), "mutation {i}: {e}");
        }
    }
    eprintln!("400 mutated streams, {rejected} rejected by analyze");
}
