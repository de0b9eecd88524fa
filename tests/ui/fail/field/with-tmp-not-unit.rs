#[derive(Clone, Default, vmstate::VmState)]
#[vmstate(name = "t", version = 0, minimum_version = 0)]
struct T {
    a: u8,
}

#[derive(Clone, Default, vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    #[vmstate(with_tmp = T)]
    tmp: u32,
}

fn main() {}
