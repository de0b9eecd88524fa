#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
enum Dev { A, B }

fn main() {}
