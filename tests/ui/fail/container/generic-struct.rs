#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev<T> { a: T }

fn main() {}
