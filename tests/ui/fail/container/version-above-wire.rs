#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 4294967296)]
struct Dev { a: u32 }

fn main() {}
