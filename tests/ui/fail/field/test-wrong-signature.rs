#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    #[vmstate(test = Dev::present)]
    a: u32,
}
impl Dev {
    fn present(&self) -> bool { true }
}

fn main() {}
