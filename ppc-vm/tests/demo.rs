//! The README's main job passes its own checks.

#[test]
fn the_demo_passes_every_check() {
    let mut report = Vec::new();
    let ok = ppc_vm::demo::run(&mut report).unwrap();
    let text = String::from_utf8(report).unwrap();
    assert!(ok, "{text}");
    // The QEMU crossing adds two checks when qemu-system-ppc64 is installed (required
    // when REQUIRE_QEMU is set).
    let qemu = ppc_vm::qemu::available();
    assert!(
        qemu || std::env::var_os("REQUIRE_QEMU").is_none(),
        "qemu-system-ppc64 is required"
    );
    let expected = if qemu { 9 } else { 7 };
    assert_eq!(text.matches("   ok   ").count(), expected, "{text}");
    assert!(text.contains("All checks passed."));
}
