#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    a: u32,
    #[vmstate(validate = Dev::ok)]
    check: u32,
}

impl Dev {
    fn ok(&self, _cx: &vmstate::Context, _version: u32) -> bool {
        true
    }
}

fn main() {}
