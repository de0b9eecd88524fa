// The crate renamed on import, and the prelude's names shadowed: the derive's output
// must only use absolute paths.
#![no_implicit_prelude]
#![allow(dead_code)]

extern crate std;
extern crate vmstate as vms;

struct Result;
struct Option;
struct Ok;
struct Err;
struct Some;
struct None;
struct Vec;
trait Clone {}
trait Default {}

#[derive(vms::VmState)]
#[vmstate(crate = vms, name = "dev", version = 2, post_load = Dev::post_load)]
struct Dev {
    a: u32,
    #[vmstate(since = 2)]
    b: [u64; 2],
    n: u8,
    #[vmstate(varray(count = n, max = 2))]
    items: [Inner; 2],
    #[vmstate(subsection(name = "dev/sub", needed = Dev::needed))]
    sub: Inner2,
}

// Migrated members are cloned to undo a failed load.
#[derive(std::clone::Clone, vms::VmState)]
#[vmstate(crate = vms, name = "inner", version = 1)]
struct Inner {
    x: u16,
}

#[derive(vms::VmState)]
#[vmstate(crate = vms, name = "dev/sub", version = 1)]
struct Inner2 {
    y: i8,
}

impl Dev {
    fn post_load(&mut self, _: &vms::Context, _: u32) -> std::result::Result<(), std::string::String> {
        std::result::Result::Ok(())
    }
    fn needed(&self, _: &vms::Context) -> bool {
        true
    }
}

fn main() {}
