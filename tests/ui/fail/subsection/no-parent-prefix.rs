use vmstate::{Context, VmState};
#[derive(VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    #[vmstate(subsection(name = "fpu", needed = Dev::yes))]
    fpu: Fpu,
}
#[derive(VmState)]
#[vmstate(name = "fpu", version = 1)]
struct Fpu { x: u8 }
impl Dev { fn yes(&self, _: &Context) -> bool { true } }

fn main() {}
