#[derive(Clone, Default, vmstate::VmState)]
#[vmstate(name = "inner", version = 2, minimum_version = 2)]
struct Inner {
    a: u32,
}

#[derive(Clone, Default, vmstate::VmState)]
#[vmstate(name = "outer", version = 1)]
struct Outer {
    #[vmstate(vstruct = 1)]
    inner: Inner,
}

fn main() {}
