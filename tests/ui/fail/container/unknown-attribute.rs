#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1, priority = 3)]
struct Dev { a: u32 }

fn main() {}
