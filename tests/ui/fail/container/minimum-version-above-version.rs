#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1, minimum_version = 2)]
struct Dev { a: u32 }

fn main() {}
