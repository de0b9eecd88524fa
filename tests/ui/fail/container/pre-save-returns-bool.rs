#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1, pre_save = Dev::pre_save)]
struct Dev { a: u32 }
impl Dev {
    fn pre_save(&mut self, _: &vmstate::Context) -> bool { true }
}

fn main() {}
