//! Field-by-field differences between two decoded streams, and a flat text view of one.

use serde_json::Value;

/// One difference: the path and the value on each side (`None` when absent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// `section.field[index].field` path.
    pub path: String,
    /// Value in A.
    pub a: Option<String>,
    /// Value in B.
    pub b: Option<String>,
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn walk(path: &str, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<Difference>) {
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            for (k, v) in x {
                walk(&join(path, k), Some(v), y.get(k), out);
            }
            for (k, v) in y {
                if !x.contains_key(k) {
                    walk(&join(path, k), None, Some(v), out);
                }
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) => {
            for i in 0..x.len().max(y.len()) {
                walk(&format!("{path}[{i}]"), x.get(i), y.get(i), out);
            }
        }
        (a, b) if a == b => {}
        (Some(Value::Object(x)), None) => x
            .iter()
            .for_each(|(k, v)| walk(&join(path, k), Some(v), None, out)),
        (None, Some(Value::Object(y))) => y
            .iter()
            .for_each(|(k, v)| walk(&join(path, k), None, Some(v), out)),
        (a, b) => out.push(Difference {
            path: path.to_owned(),
            a: a.map(show),
            b: b.map(show),
        }),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Differences between two analyzer outputs.
///
/// ```
/// use serde_json::json;
/// let a = json!({"cpu (7)": {"env.nip": "0x100", "env.gpr": ["0x0", "0x1"]}});
/// let b = json!({"cpu (7)": {"env.nip": "0x104", "env.gpr": ["0x0", "0x2"]}});
/// let d = vmstate_tools::diff::diff(&a, &b);
/// assert_eq!(d.len(), 2);
/// assert_eq!(d[0].path, "cpu (7).env.nip");
/// assert_eq!(d[1].path, "cpu (7).env.gpr[1]");
/// ```
pub fn diff(a: &Value, b: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    walk("", Some(a), Some(b), &mut out);
    out
}

/// A flat `path = value` view of an analyzer output; runs of equal array elements are
/// folded (`env.spr[2..=7] = 0x0000000000000000 (6 times)`).
pub fn text(v: &Value) -> String {
    let mut out = String::new();
    flat("", v, &mut out);
    out
}

fn flat(path: &str, v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                flat(&join(path, k), v, out);
            }
        }
        Value::Array(items) => {
            let mut i = 0;
            while i < items.len() {
                let mut j = i;
                while j + 1 < items.len() && items[j + 1] == items[i] && !items[i].is_object() {
                    j += 1;
                }
                if j > i {
                    out.push_str(&format!(
                        "{path}[{i}..={j}] = {} ({} times)\n",
                        show(&items[i]),
                        j - i + 1
                    ));
                } else {
                    flat(&format!("{path}[{i}]"), &items[i], out);
                }
                i = j + 1;
            }
        }
        other => out.push_str(&format!("{path} = {}\n", show(other))),
    }
}
