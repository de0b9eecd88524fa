use vmstate::VmState;
#[derive(VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    #[vmstate(subsection(name = "dev/fpu", needed = Dev::needed))]
    fpu: Fpu,
}
#[derive(VmState)]
#[vmstate(name = "dev/fpu", version = 1)]
struct Fpu { x: u8 }
impl Dev { fn needed(&mut self) -> u32 { 1 } }

fn main() {}
