//! The derive on devices of another target: a real QEMU 7.2 stream of an x86 `pc`
//! machine (`tests/data/qemu-7.2-x86`, SeaBIOS run for a few seconds, then migrated) has
//! its i8254, mc146818rtc, dma, i8259, ioapic, port92, pcspk, I440FX, PIIX3, timer and
//! globalstate sections loaded into structs written as a porting user would write them from QEMU's
//! `VMStateDescription`s, and saved back: the rewritten stream — bytes and JSON
//! description entries — equals QEMU's. They use a member of an array element as a field
//! (`channels[0].irq_disabled`), repeated `unused` fields QEMU numbers `unused[k]`,
//! struct arrays, timers, buffers, subsections over the struct's own fields, versioned
//! fields, and `PCIDevice` (in I440FX and PIIX3): one config space sent by two
//! test-gated fields of QEMU's own `pci config` info (256 or 4096 bytes, described
//! `config[0]`) through views of one member.

mod common;

use ppc_target::pseries::devices::{GlobalState, Timers};
use ppc_vm::rewrite::Rewrite;
use vmstate::wire::{Reader, Writer};
use vmstate::{Context, Elem, Field, Info, Timer, View, VmState};

use common::{assert_same_stream, gunzip};

/// `vmstate_pit_channel`.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "pit channel", version = 2, minimum_version = 2)]
struct PitChannel {
    count: i32,
    latched_count: u16,
    count_latched: u8,
    status_latched: u8,
    status: u8,
    read_state: u8,
    write_state: u8,
    write_latch: u8,
    rw_mode: u8,
    mode: u8,
    bcd: u8,
    gate: u8,
    count_load_time: i64,
    next_transition_time: i64,
    /// Sent apart, as `channels[0].irq_disabled`.
    #[vmstate(skip)]
    irq_disabled: u32,
}

/// `vmstate_pit_common` ("i8254").
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "i8254", version = 3, minimum_version = 2)]
struct Pit {
    #[vmstate(since = 3, name = "channels[0].irq_disabled", place = channels[0].irq_disabled)]
    irq_disabled: (),
    #[vmstate(since = 2)]
    channels: [PitChannel; 3],
    /// Formerly the IRQ timer.
    #[vmstate(
        name = "channels[0].next_transition_time",
        place = channels[0].next_transition_time
    )]
    irq_timer: (),
}

/// `vmstate_rtc` ("mc146818rtc").
#[derive(Clone, Debug, PartialEq, VmState)]
#[vmstate(
    name = "mc146818rtc",
    version = 3,
    minimum_version = 1,
    subsection(
        name = "mc146818rtc/irq_reinject_on_ack_count",
        version = 1,
        needed = Rtc::reinject_needed
    )
)]
struct Rtc {
    #[vmstate(buffer)]
    cmos_data: [u8; 128],
    cmos_index: u8,
    #[vmstate(unused = 28)]
    unused_clock: (),
    periodic_timer: Timer,
    next_periodic_time: i64,
    #[vmstate(unused = 24)]
    unused_timers: (),
    #[vmstate(since = 2)]
    irq_coalesced: u32,
    #[vmstate(since = 2)]
    period: u32,
    #[vmstate(since = 3)]
    base_rtc: u64,
    #[vmstate(since = 3)]
    last_update: u64,
    #[vmstate(since = 3)]
    offset: i64,
    #[vmstate(since = 3)]
    update_timer: Timer,
    #[vmstate(since = 3)]
    next_alarm_time: u64,
    #[vmstate(in_subsection = "mc146818rtc/irq_reinject_on_ack_count")]
    irq_reinject_on_ack_count: u16,
}

impl Default for Rtc {
    fn default() -> Self {
        Rtc {
            cmos_data: [0; 128],
            cmos_index: 0,
            unused_clock: (),
            periodic_timer: Timer::default(),
            next_periodic_time: 0,
            unused_timers: (),
            irq_coalesced: 0,
            period: 0,
            base_rtc: 0,
            last_update: 0,
            offset: 0,
            update_timer: Timer::default(),
            next_alarm_time: 0,
            irq_reinject_on_ack_count: 0,
        }
    }
}

impl Rtc {
    fn reinject_needed(&self, _: &vmstate::Context) -> bool {
        self.irq_reinject_on_ack_count != 0
    }
}

/// `vmstate_i8257_regs` ("dma_regs").
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "dma_regs", version = 1)]
struct DmaRegs {
    now: [i32; 2],
    base: [u16; 2],
    mode: u8,
    page: u8,
    pageh: u8,
    dack: u8,
    eop: u8,
}

/// `vmstate_i8257` ("dma").
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "dma", version = 1)]
struct Dma {
    command: u8,
    mask: u8,
    flip_flop: u8,
    dshift: i32,
    regs: [DmaRegs; 4],
}

/// `vmstate_pic_common` ("i8259").
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "i8259", version = 1)]
struct Pic {
    last_irr: u8,
    irr: u8,
    imr: u8,
    isr: u8,
    priority_add: u8,
    irq_base: u8,
    read_reg_select: u8,
    poll: u8,
    special_mask: u8,
    init_state: u8,
    auto_eoi: u8,
    rotate_on_auto_eoi: u8,
    special_fully_nested_mode: u8,
    init4: u8,
    single_mode: u8,
    elcr: u8,
}

/// `vmstate_ioapic_common` ("ioapic").
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "ioapic", version = 3, minimum_version = 1)]
struct IoApic {
    id: u8,
    ioregsel: u8,
    #[vmstate(unused = 8, since = 2)]
    unused: (),
    #[vmstate(since = 2)]
    irr: u32,
    ioredtbl: [u64; 24],
}

/// QEMU's `vmstate_info_pci_config`: the first `N` bytes of the config space (its own
/// info, so its own codec).
#[derive(Clone, Debug, PartialEq)]
struct PciConfig<const N: usize>(Vec<u8>);

impl<const N: usize> Field for PciConfig<N> {
    const ELEM: Elem = Elem::Leaf(Info {
        name: "pci config",
        size: N,
    });
    const COUNT: usize = 1;
    fn put(&mut self, w: &mut Writer<'_>, _: &Context) -> vmstate::Result<()> {
        w.put_bytes(&self.0);
        Ok(())
    }
    fn get(&mut self, r: &mut Reader<'_>, _: &Context) -> vmstate::Result<()> {
        self.0.copy_from_slice(r.take(N)?);
        Ok(())
    }
}

/// A view of the config space: its first `N` bytes.
impl<const N: usize> View<Vec<u8>> for PciConfig<N> {
    fn from_member(m: &Vec<u8>) -> Self {
        PciConfig(m[..N].to_vec())
    }
    fn into_member(self, m: &mut Vec<u8>) {
        m[..N].copy_from_slice(&self.0);
    }
}

/// QEMU's `vmstate_info_pci_irq_state`: the four INTx levels, be32 each.
#[derive(Clone, Debug, Default, PartialEq)]
struct PciIrqState([u32; 4]);

impl Field for PciIrqState {
    const ELEM: Elem = Elem::Leaf(Info {
        name: "pci irq state",
        size: 16,
    });
    const COUNT: usize = 1;
    fn put(&mut self, w: &mut Writer<'_>, _: &Context) -> vmstate::Result<()> {
        self.0.iter().for_each(|&l| w.put_be32(l));
        Ok(())
    }
    fn get(&mut self, r: &mut Reader<'_>, _: &Context) -> vmstate::Result<()> {
        for l in &mut self.0 {
            *l = r.get_be32()?;
        }
        Ok(())
    }
}

/// `vmstate_pci_device` ("PCIDevice"): the config space as 256 bytes for a conventional
/// device, 4096 for PCI Express, both fields over the one `config` member.
#[derive(Clone, Debug, PartialEq, VmState)]
#[vmstate(name = "PCIDevice", version = 2, minimum_version = 1)]
struct PciDevice {
    #[vmstate(positive_le)]
    version_id: i32,
    #[vmstate(name = "config", place = config, view = PciConfig<256>, test = PciDevice::conventional)]
    config_conventional: (),
    #[vmstate(name = "config", place = config, view = PciConfig<4096>, test = PciDevice::express)]
    config_express: (),
    #[vmstate(since = 2)]
    irq_state: PciIrqState,
    #[vmstate(skip)]
    config: Vec<u8>,
    #[vmstate(skip)]
    is_express: bool,
}

impl PciDevice {
    fn conventional(&self, _: &Context, _: u32) -> bool {
        !self.is_express
    }
    fn express(&self, _: &Context, _: u32) -> bool {
        self.is_express
    }
}

impl Default for PciDevice {
    fn default() -> Self {
        PciDevice {
            version_id: 2,
            config_conventional: (),
            config_express: (),
            irq_state: PciIrqState::default(),
            config: vec![0; 4096],
            is_express: false,
        }
    }
}

/// "I440FX".
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "I440FX", version = 3, minimum_version = 3)]
struct I440fx {
    parent_obj: PciDevice,
    /// Was `smm_enabled`.
    #[vmstate(unused = 1)]
    unused: (),
}

/// "PIIX3", with its `PIIX3/rcr` subsection.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(
    name = "PIIX3",
    version = 3,
    minimum_version = 2,
    subsection(name = "PIIX3/rcr", version = 1, needed = Piix3::rcr_needed)
)]
struct Piix3 {
    dev: PciDevice,
    #[vmstate(since = 3)]
    pci_irq_levels_vmstate: [i32; 4],
    #[vmstate(in_subsection = "PIIX3/rcr")]
    rcr: u8,
}

impl Piix3 {
    fn rcr_needed(&self, _: &Context) -> bool {
        self.rcr != 0
    }
}

/// "port92".
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "port92", version = 1)]
struct Port92 {
    outport: u8,
}

/// "pcspk".
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "pcspk", version = 1)]
struct PcSpk {
    data_on: u8,
    dummy_refresh_clock: u8,
}

fn swap<T: VmState + Clone>(s: &mut Rewrite<'_>, idstr: &str, inst: u32, mut dev: T) -> T {
    s.load(idstr, inst, &mut dev)
        .unwrap_or_else(|e| panic!("{idstr} {inst}: {e}"));
    s.replace(idstr, inst, &mut dev)
        .unwrap_or_else(|e| panic!("{idstr} {inst}: {e}"));
    dev
}

#[test]
fn x86_devices_ported_with_the_derive_rewrite_qemus_stream_identically() {
    let data = gunzip("qemu-7.2-x86/x86-pc-seabios-run.mig.gz");
    let mut s = Rewrite::new(&data).unwrap();
    let mut covered = Vec::new();
    for sec in s.sections().to_vec() {
        let (name, i) = (sec.header.idstr.as_str(), sec.header.instance_id);
        match name {
            "i8254" => {
                let pit = swap(&mut s, name, i, Pit::default());
                // SeaBIOS programmed channel 0 (mode 2, both bytes).
                assert_eq!((pit.channels[0].mode, pit.channels[0].rw_mode), (2, 3));
            }
            "mc146818rtc" => {
                let rtc = swap(&mut s, name, i, Rtc::default());
                assert_ne!(rtc.cmos_data, [0; 128]);
            }
            "dma" => drop(swap(&mut s, name, i, Dma::default())),
            "i8259" => drop(swap(&mut s, name, i, Pic::default())),
            "ioapic" => drop(swap(&mut s, name, i, IoApic::default())),
            "port92" => drop(swap(&mut s, name, i, Port92::default())),
            "0000:00:00.0/I440FX" => {
                let host = swap(&mut s, name, i, I440fx::default());
                // The host bridge's vendor: Intel.
                assert_eq!(host.parent_obj.config[..2], [0x86, 0x80]);
            }
            "0000:00:01.0/PIIX3" => drop(swap(&mut s, name, i, Piix3::default())),
            "pcspk" => drop(swap(&mut s, name, i, PcSpk::default())),
            "timer" => drop(swap(&mut s, name, i, Timers::default())),
            "globalstate" => drop(swap(&mut s, name, i, GlobalState::default())),
            _ => continue,
        }
        covered.push(format!("{name} {i}"));
    }
    assert_eq!(covered.len(), 13, "{covered:?}");
    assert_same_stream("x86 pc", &s.finish(), &data);
}
