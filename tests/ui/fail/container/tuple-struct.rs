#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev(u32, u64);

fn main() {}
