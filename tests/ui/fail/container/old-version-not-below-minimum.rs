#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 3, minimum_version = 2, old_version(minimum = 2, load = Dev::old))]
struct Dev { a: u32 }
impl Dev {
    fn old(&mut self, _: &mut vmstate::wire::Reader<'_>, _: u32, _: &vmstate::Context) -> Result<(), String> { Ok(()) }
}

fn main() {}
