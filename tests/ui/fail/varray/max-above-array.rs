#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    n: u8,
    #[vmstate(varray(count = n, max = 32))]
    a: [u8; 16],
}

fn main() {}
