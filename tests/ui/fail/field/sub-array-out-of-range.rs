#[derive(Clone, Default, vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    #[vmstate(skip)]
    regs: [u32; 4],
    #[vmstate(sub_array(of = regs, start = 3, count = 2))]
    tail: (),
}

fn main() {}
