#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1, post_load = Dev::post_load)]
struct Dev { a: u32 }
impl Dev {
    fn post_load(&mut self) -> Result<(), String> { Ok(()) }
}

fn main() {}
