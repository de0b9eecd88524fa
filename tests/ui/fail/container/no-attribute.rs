#[derive(vmstate::VmState)]
struct Dev {
    a: u32,
}

fn main() {}
