#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    #[vmstate(view = u16)]
    count: u32,
}

fn main() {}
