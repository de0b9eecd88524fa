//! `ppc-vm`: run, inspect, snapshot and migrate ppc64 guests.

fn main() {}
