#[derive(Clone, Default, vmstate::VmState)]
#[vmstate(name = "globalstate", version = 1, needed = Inner::needed)]
struct Inner {
    a: u32,
}

impl Inner {
    fn needed(&self, _: &vmstate::Context) -> bool {
        self.a != 0
    }
}

#[derive(Clone, Default, vmstate::VmState)]
#[vmstate(name = "outer", version = 1)]
struct Outer {
    inner: Inner,
}

fn main() {}
