#[derive(Clone, Default, vmstate::VmState)]
#[vmstate(name = "serial", version = 1)]
struct Serial {
    lsr: u8,
    #[vmstate(in_subsection = "serial/tsr")]
    tsr: u8,
}

fn main() {}
