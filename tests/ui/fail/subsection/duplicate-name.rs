use vmstate::{Context, VmState};
#[derive(VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    #[vmstate(subsection(name = "dev/a", needed = Dev::yes))]
    a: A,
    #[vmstate(subsection(name = "dev/a", needed = Dev::yes))]
    b: A,
}
#[derive(VmState)]
#[vmstate(name = "dev/a", version = 1)]
struct A { x: u8 }
impl Dev { fn yes(&self, _: &Context) -> bool { true } }

fn main() {}
