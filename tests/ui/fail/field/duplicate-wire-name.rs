#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    #[vmstate(name = "env.msr")]
    a: u64,
    #[vmstate(name = "env.msr")]
    b: u64,
}

fn main() {}
