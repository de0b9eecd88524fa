#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 3)]
struct Dev {
    #[vmstate(since = 2, since = 3)]
    a: u32,
}

fn main() {}
