#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 2)]
struct Dev {
    #[vmstate(since = 2)]
    n: u8,
    #[vmstate(varray(count = n, max = 4))]
    a: [u8; 4],
}

fn main() {}
