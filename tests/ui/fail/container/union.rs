#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
union Dev { a: u32, b: f32 }

fn main() {}
