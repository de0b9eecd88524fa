//! The README's main job passes its own checks.

#[test]
fn the_demo_passes_every_check() {
    let mut report = Vec::new();
    let ok = ppc_vm::demo::run(&mut report).unwrap();
    let text = String::from_utf8(report).unwrap();
    assert!(ok, "{text}");
    assert_eq!(text.matches("   ok   ").count(), 6, "{text}");
    assert!(text.contains("All checks passed."));
}
