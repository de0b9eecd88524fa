#[derive(vmstate::VmState)]
#[vmstate(name = "", version = 1)]
struct Dev { a: u32 }

fn main() {}
