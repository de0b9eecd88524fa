#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    #[vmstate(buffer)]
    words: [u32; 4],
}

fn main() {}
