#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 2)]
struct Dev {
    #[vmstate(since = 0)]
    a: u32,
}

fn main() {}
