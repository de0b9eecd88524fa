#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    n: u32,
    #[vmstate(varray(count = n))]
    items: Vec<u32>,
}

fn main() {}
