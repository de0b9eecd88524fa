type Wide = u64;

#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    n: Wide,
    #[vmstate(varray(count = n, max = 4))]
    items: [u32; 4],
}

fn main() {}
