use vmstate::VmState;
#[derive(VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    #[vmstate(subsection(name = "dev/fpu"))]
    fpu: Fpu,
}
#[derive(VmState)]
#[vmstate(name = "dev/fpu", version = 1)]
struct Fpu { x: u8 }

fn main() {}
