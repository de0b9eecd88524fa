#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    #[vmstate(unused = 4)]
    a: u32,
}

fn main() {}
