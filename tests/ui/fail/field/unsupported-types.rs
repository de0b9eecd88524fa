#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    list: Vec<u32>,
    maybe: Option<u32>,
    width: usize,
    pair: (u8, u8),
}

fn main() {}
