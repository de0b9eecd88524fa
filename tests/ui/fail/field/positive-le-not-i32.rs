#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    #[vmstate(positive_le)]
    used: u32,
}

fn main() {}
