// A view must convert from the member's type: `u16` is not a view of a `u8`.
#[derive(vmstate::VmState)]
#[vmstate(name = "dev", version = 1)]
struct Dev {
    #[vmstate(name = "small", place = small, view = u16)]
    wide: (),
    #[vmstate(skip)]
    small: u8,
}

fn main() {}
