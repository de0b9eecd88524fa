use vmstate::{Context, Timer, VmState};

#[derive(Clone, Default, VmState)]
#[vmstate(name = "dev", version = 3, minimum_version = 2, pre_load = Dev::pre_load, post_load = Dev::post_load,
          pre_save = Dev::pre_save, post_save = Dev::post_save, needed = Dev::needed,
          old_version(minimum = 1, load = Dev::old))]
struct Dev {
    a: u32,
    #[vmstate(since = 2)]
    b: [u64; 4],
    #[vmstate(test = Dev::t)]
    c: i16,
    #[vmstate(if_compat = "old-machine")]
    d: u8,
    #[vmstate(unused = 4)]
    _pad: (),
    #[vmstate(equal)]
    nb: u32,
    #[vmstate(positive_le)]
    used: i32,
    #[vmstate(buffer)]
    mac: [u8; 6],
    n: u16,
    #[vmstate(varray(count = n, max = 8))]
    items: Vec<Item>,
    timer: Timer,
    #[vmstate(skip)]
    _cache: Option<String>,
    #[vmstate(subsection(name = "dev/extra", needed = Dev::needed, unless_compat = "old-machine"))]
    extra: Extra,
}

#[derive(Clone, Default, VmState)]
#[vmstate(name = "item", version = 1)]
struct Item {
    x: bool,
}

#[derive(Clone, Default, VmState)]
#[vmstate(name = "dev/extra", version = 255)]
struct Extra {
    y: f64,
}

impl Dev {
    fn pre_load(&mut self, _: &Context) -> Result<(), std::io::Error> {
        Ok(())
    }
    fn post_load(&mut self, _: &Context, _version: u32) -> Result<(), &'static str> {
        Ok(())
    }
    fn pre_save(&mut self, _: &Context) -> Result<(), String> {
        Ok(())
    }
    fn post_save(&mut self, _: &Context) -> Result<(), String> {
        Ok(())
    }
    fn needed(&self, _: &Context) -> bool {
        true
    }
    fn t(&self, _: &Context, version: u32) -> bool {
        version > 1
    }
    fn old(&mut self, _: &mut vmstate::wire::Reader<'_>, _: u32, _: &Context) -> Result<(), String> {
        Ok(())
    }
}

fn main() {
    let mut d = Dev::default();
    let mut out = Vec::new();
    d.save(&mut out, &Context::default()).unwrap();
    let mut e = Dev::default();
    e.load(&out, 3, &Context::default()).unwrap();
}
