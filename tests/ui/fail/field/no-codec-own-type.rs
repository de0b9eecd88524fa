struct Handle(u32);

#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    h: Handle,
}

fn main() {}
