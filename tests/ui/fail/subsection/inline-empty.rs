#[derive(Clone, Default, vmstate::VmState)]
#[vmstate(name = "serial", version = 1, subsection(name = "serial/tsr", version = 1, needed = Serial::yes))]
struct Serial {
    lsr: u8,
}

impl Serial {
    fn yes(&self, _: &vmstate::Context) -> bool {
        true
    }
}

fn main() {}
