//! Compile-fail and pass cases for `#[derive(VmState)]` (one mistake per file under
//! tests/ui/fail, with the expected diagnostics in the `.stderr` beside it).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
