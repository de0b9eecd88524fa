#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    #[vmstate(big_endian)]
    a: u32,
}

fn main() {}
