#[derive(vmstate::VmState)]
#[vmstate(name = dev, version = 1)]
struct Dev { a: u32 }

fn main() {}
