#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    a: u32,
    #[vmstate(unused = 0)]
    _gone: (),
}

fn main() {}
