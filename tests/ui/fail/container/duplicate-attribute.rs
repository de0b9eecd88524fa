#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1, version = 2)]
struct Dev { a: u32 }

fn main() {}
