//! Count fields through an alias or a full path, a count the destination knows
//! declared after its array, and `crate` as a string.

use vmstate::VmState;

type Count = u32;

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "dev", version = 1, crate = "vmstate")]
struct Dev {
    n: Count,
    #[vmstate(varray(count = n, max = 4))]
    a: [u8; 4],
    m: core::primitive::u16,
    #[vmstate(varray(count = m, max = 4))]
    b: Vec<u16>,
    #[vmstate(varray(count = known, max = 8))]
    c: Vec<u8>,
    #[vmstate(skip)]
    known: u32,
}

fn main() {
    let cx = vmstate::Context::default();
    let mut d = Dev { n: 2, a: [1, 2, 0, 0], m: 1, b: vec![7], c: vec![9; 3], known: 3 };
    let mut out = Vec::new();
    d.save(&mut out, &cx).unwrap();
    let mut back = Dev { known: 3, ..Dev::default() };
    back.load(&out, 1, &cx).unwrap();
    assert_eq!((back.n, back.b, back.c), (2, vec![7], vec![9; 3]));
}
