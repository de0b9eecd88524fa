//! `vmstate check` on QEMU 7.2's own `-dump-vmstate` files and on crafted pairs: each
//! rule's break is found, in the direction it breaks, with its path.

use std::path::PathBuf;

use serde_json::{json, Value};
use vmstate::json::dump_vmstate;
use vmstate::VmState;
use vmstate_tools::check::{check, Direction, Report};
use vmstate_tools::input;

fn qemu_dump(machine: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../tests/data/qemu-7.2/schema/vmstate-{machine}.json.gz"
    ));
    serde_json::from_slice(&input::decompress(std::fs::read(p).unwrap()).unwrap()).unwrap()
}

fn errors(r: &Report, d: Direction) -> Vec<String> {
    r.errors(d)
        .map(|f| format!("{}: {}", f.path, f.message))
        .collect()
}

#[test]
fn qemu_7_2_dumps_of_all_machine_types_are_mutually_compatible() {
    let machines = ["pseries-2.8", "pseries-2.9", "pseries-2.10", "pseries-7.2"];
    for a in machines {
        for b in machines {
            let r = check(&qemu_dump(a), &qemu_dump(b)).unwrap();
            assert!(r.is_compatible(), "{a} -> {b}:\n{r}");
            let warnings = r.findings.len();
            assert_eq!(
                warnings,
                if a == b { 0 } else { 2 },
                "{a} -> {b}: only the machine-name warnings\n{r}"
            );
        }
    }
    assert_eq!(qemu_dump("pseries-7.2").as_object().unwrap().len(), 243);
}

fn dev(fields: Value, version: i64, subsections: Value) -> Value {
    let mut d =
        json!({"name": "dev", "version_id": version, "minimum_version_id": 1, "Fields": fields});
    if subsections != Value::Null {
        d["Subsections"] = subsections;
    }
    json!({"vmschkmachine": {"Name": "m"}, "dev": {"Name": "dev", "version_id": version, "minimum_version_id": 1, "Description": d}})
}

fn f(name: &str, size: i64) -> Value {
    json!({"field": name, "version_id": 0, "field_exists": false, "size": size})
}

#[test]
fn qemus_rules() {
    // A section missing on the destination (and renamed sections QEMU allows).
    let old = json!({"dev": {"Name": "dev", "version_id": 1, "minimum_version_id": 1}, "e1000-82540em": {"Name": "e1000-82540em", "version_id": 1}});
    let new = json!({"e1000": {"Name": "e1000", "version_id": 1}});
    let r = check(&old, &new).unwrap();
    assert_eq!(
        errors(&r, Direction::Forward),
        ["dev: section does not exist on the destination"]
    );

    // Size change.
    let r = check(
        &dev(json!([f("a", 4)]), 1, Value::Null),
        &dev(json!([f("a", 8)]), 1, Value::Null),
    )
    .unwrap();
    assert_eq!(
        errors(&r, Direction::Forward),
        ["dev.a: element size changed: 4 -> 8 bytes"]
    );
    assert_eq!(
        errors(&r, Direction::Backward),
        ["dev.a: element size changed: 8 -> 4 bytes"]
    );

    // A renamed field.
    let r = check(
        &dev(json!([f("a", 4)]), 1, Value::Null),
        &dev(json!([f("b", 4)]), 1, Value::Null),
    )
    .unwrap();
    assert_eq!(
        errors(&r, Direction::Forward),
        ["dev.a: expected field `a`, the destination has `b` here"]
    );

    // A removed field replaced by unused padding of the same size is fine; of another size not.
    let r = check(
        &dev(json!([f("a", 4), f("b", 1)]), 1, Value::Null),
        &dev(json!([f("unused", 4), f("b", 1)]), 1, Value::Null),
    )
    .unwrap();
    assert!(r.is_compatible(), "{r}");
    let r = check(
        &dev(json!([f("a", 4), f("b", 1)]), 1, Value::Null),
        &dev(json!([f("unused", 2), f("b", 1)]), 1, Value::Null),
    )
    .unwrap();
    assert_eq!(
        errors(&r, Direction::Forward),
        ["dev.a: unused size mismatch: 4 bytes against 3"]
    );

    // Version bump: forward fine, backward too new.
    let r = check(
        &dev(json!([f("a", 4)]), 1, Value::Null),
        &dev(
            json!([
                f("a", 4),
                json!({"field": "b", "version_id": 2, "field_exists": false, "size": 4})
            ]),
            2,
            Value::Null,
        ),
    )
    .unwrap();
    assert!(errors(&r, Direction::Forward).is_empty(), "{r}");
    assert_eq!(
        errors(&r, Direction::Backward),
        [
            "dev: version 2 is newer than the destination's 1",
            "dev: version 2 is newer than the destination's 1",
            "dev.b: the destination has no such field (its description ends earlier)"
        ]
    );

    // A subsection the old side does not know breaks backward migration only.
    let sub = json!([{"name": "dev/sub", "version_id": 1, "minimum_version_id": 1, "Fields": [f("x", 1)]}]);
    let r = check(
        &dev(json!([f("a", 4)]), 1, Value::Null),
        &dev(json!([f("a", 4)]), 1, sub),
    )
    .unwrap();
    assert!(errors(&r, Direction::Forward).is_empty());
    assert_eq!(
        errors(&r, Direction::Backward),
        [
            "dev: the destination's description has no `Subsections`",
            "dev: subsection `dev/sub` does not exist on the destination"
        ]
    );
}

#[test]
fn what_qemus_checker_misses() {
    // An array length change.
    let arr = |n: i64| json!([{"field": "regs", "version_id": 0, "field_exists": false, "num": n, "size": 4}]);
    let r = check(&dev(arr(8), 1, Value::Null), &dev(arr(16), 1, Value::Null)).unwrap();
    assert_eq!(
        errors(&r, Direction::Forward),
        ["dev.regs: array length changed: 8 -> 16"]
    );

    // A field added at the end without a version bump: the old source does not send it.
    let r = check(
        &dev(json!([f("a", 4)]), 1, Value::Null),
        &dev(json!([f("a", 4), f("b", 4)]), 1, Value::Null),
    )
    .unwrap();
    assert_eq!(
        errors(&r, Direction::Forward),
        ["dev.b: added at the end without a version above 1: the source does not send it"]
    );

    // A same-size type change, visible in our own dumps.
    #[derive(VmState)]
    #[vmstate(name = "dev", version = 1, minimum_version = 1)]
    struct V1 {
        count: i32,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev", version = 1, minimum_version = 1)]
    struct V2 {
        count: u32,
    }
    let a: Value =
        serde_json::from_str(&dump_vmstate("m", &[("dev", <V1 as VmState>::DESCRIPTION)])).unwrap();
    let b: Value =
        serde_json::from_str(&dump_vmstate("m", &[("dev", <V2 as VmState>::DESCRIPTION)])).unwrap();
    let r = check(&a, &b).unwrap();
    assert_eq!(
        errors(&r, Direction::Forward),
        ["dev.count: type changed: int32 -> uint32"]
    );
}
