#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 2)]
struct Dev {
    #[vmstate(since = 2, test = Dev::t)]
    a: u32,
}
impl Dev {
    fn t(&self, _: &vmstate::Context, _: u32) -> bool { true }
}

fn main() {}
