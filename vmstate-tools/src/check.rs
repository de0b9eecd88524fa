//! Static compatibility check of two `-dump-vmstate` JSON files (QEMU's or ours,
//! spec §8): every rule of QEMU's `vmstate-static-checker.py`, plus what it misses
//! (array length changes, type changes of the same size when both dumps name types,
//! `field_exists` changes, fields added at the end of one side without a version gate).
//! Forward (old → new) and backward (new → old) migration are reported separately.

use std::fmt;

use serde_json::{Map, Value};
use vmstate::{Error, Result};

/// Which way a migration goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// An old source to a new destination.
    Forward,
    /// A new source to an old destination.
    Backward,
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Migration breaks (or silently misparses).
    Error,
    /// Worth a look; migration may still work.
    Warning,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Migration direction.
    pub direction: Direction,
    /// Severity.
    pub severity: Severity,
    /// `section/description.field` path.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// All findings of a check.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Findings in order.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether no direction has an error.
    pub fn is_compatible(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Errors of one direction.
    pub fn errors(&self, d: Direction) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(move |f| f.direction == d && f.severity == Severity::Error)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (d, title) in [
            (Direction::Forward, "forward (old -> new)"),
            (Direction::Backward, "backward (new -> old)"),
        ] {
            let items: Vec<&Finding> = self.findings.iter().filter(|x| x.direction == d).collect();
            let errors = items
                .iter()
                .filter(|x| x.severity == Severity::Error)
                .count();
            if errors == 0 {
                writeln!(f, "{title}: compatible")?;
            } else {
                writeln!(f, "{title}: {errors} error(s)")?;
            }
            for x in items {
                let sev = if x.severity == Severity::Error {
                    "error"
                } else {
                    "warning"
                };
                writeln!(f, "  {sev}: {}: {}", x.path, x.message)?;
            }
        }
        Ok(())
    }
}

/// Section renames QEMU's checker allows.
const SECTION_RENAMES: &[(&str, &str)] = &[("ICH9 LPC", "ICH9-LPC"), ("e1000-82540em", "e1000")];

struct Checker {
    direction: Direction,
    findings: Vec<Finding>,
}

fn num(v: &Value, key: &str) -> i64 {
    v.get(key).and_then(Value::as_i64).unwrap_or(0)
}

fn name_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

impl Checker {
    fn push(&mut self, severity: Severity, path: &str, message: String) {
        self.findings.push(Finding {
            direction: self.direction,
            severity,
            path: path.to_owned(),
            message,
        });
    }

    fn error(&mut self, path: &str, message: String) {
        self.push(Severity::Error, path, message);
    }

    fn versions(&mut self, path: &str, src: &Value, dst: &Value) {
        let (sv, dv, dmin) = (
            num(src, "version_id"),
            num(dst, "version_id"),
            num(dst, "minimum_version_id"),
        );
        if sv > dv {
            self.error(
                path,
                format!("version {sv} is newer than the destination's {dv}"),
            );
        }
        if dst.get("minimum_version_id").is_some() && sv < dmin {
            self.error(
                path,
                format!("version {sv} is older than the destination's minimum {dmin}"),
            );
        }
    }

    fn description(&mut self, path: &str, src: &Value, dst: &Value) {
        let (sn, dn) = (name_of(src, "name"), name_of(dst, "name"));
        if sn != dn {
            self.error(
                path,
                format!("description name `{sn}` differs from the destination's `{dn}`"),
            );
            return;
        }
        self.versions(path, src, dst);
        for key in src.as_object().map(Map::keys).into_iter().flatten() {
            if matches!(key.as_str(), "Fields" | "Subsections") && dst.get(key).is_none() {
                self.error(
                    path,
                    format!("the destination's description has no `{key}`"),
                );
            }
        }
        let empty = Vec::new();
        let sf = src
            .get("Fields")
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        let df = dst
            .get("Fields")
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        self.fields(path, num(src, "version_id"), sf, df);
        let ss = src
            .get("Subsections")
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        let ds = dst
            .get("Subsections")
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        for s in ss {
            let n = name_of(s, "name");
            match ds.iter().find(|d| name_of(d, "name") == n) {
                Some(d) => self.description(n, s, d),
                None => self.error(
                    path,
                    format!("subsection `{n}` does not exist on the destination"),
                ),
            }
        }
    }

    fn bytes(f: &Value) -> i64 {
        num(f, "size") * f.get("num").and_then(Value::as_i64).unwrap_or(1)
    }

    fn fields(&mut self, path: &str, src_version: i64, sf: &[Value], df: &[Value]) {
        let (mut i, mut j) = (0, 0);
        while i < sf.len() && j < df.len() {
            let (s, d) = (&sf[i], &df[j]);
            let (sn, dn) = (name_of(s, "field"), name_of(d, "field"));
            let fpath = format!("{path}.{sn}");
            if sn == dn {
                self.field(&fpath, s, d);
                i += 1;
                j += 1;
            } else if sn == "unused" || dn == "unused" {
                // Count bytes on both sides until they meet (QEMU's rule).
                let (mut sb, mut db) = (Self::bytes(s), Self::bytes(d));
                i += 1;
                j += 1;
                while sb != db {
                    if sb < db && i < sf.len() {
                        sb += Self::bytes(&sf[i]);
                        i += 1;
                    } else if db < sb && j < df.len() {
                        db += Self::bytes(&df[j]);
                        j += 1;
                    } else {
                        break;
                    }
                }
                if sb != db {
                    self.error(
                        &fpath,
                        format!("unused size mismatch: {sb} bytes against {db}"),
                    );
                    return;
                }
            } else if let Some(first) = d
                .get("Description")
                .and_then(|x| x.get("Fields"))
                .and_then(|x| x.get(0))
            {
                if name_of(first, "field") == sn {
                    // The source's fields moved into a destination struct with no wire change.
                    let nested = d["Description"]["Fields"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    let take = nested.len().min(sf.len() - i);
                    self.fields(path, src_version, &sf[i..i + take], &nested);
                    i += take;
                    j += 1;
                } else {
                    self.error(
                        &fpath,
                        format!("expected field `{sn}`, the destination has `{dn}` here"),
                    );
                    return;
                }
            } else {
                self.error(
                    &fpath,
                    format!("expected field `{sn}`, the destination has `{dn}` here"),
                );
                return;
            }
        }
        if let Some(s) = sf.get(i) {
            self.error(
                &format!("{path}.{}", name_of(s, "field")),
                "the destination has no such field (its description ends earlier)".into(),
            );
            return;
        }
        for d in &df[j..] {
            // QEMU's checker is silent here; a trailing destination field the source's
            // version does not gate out expects bytes the source never sends.
            if num(d, "version_id") <= src_version
                && !d
                    .get("field_exists")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            {
                self.error(
                    &format!("{path}.{}", name_of(d, "field")),
                    format!("added at the end without a version above {src_version}: the source does not send it"),
                );
            }
        }
    }

    fn field(&mut self, path: &str, s: &Value, d: &Value) {
        let (sv, dv) = (num(s, "version_id"), num(d, "version_id"));
        if sv > dv {
            self.error(
                path,
                format!("field version {sv} is newer than the destination's {dv}"),
            );
        }
        match (s.get("Description"), d.get("Description")) {
            (Some(sd), Some(dd)) => self.description(path, sd, dd),
            (Some(_), None) => self.error(
                path,
                "the destination's field has no nested description".into(),
            ),
            _ => {
                let (ss, ds) = (num(s, "size"), num(d, "size"));
                if ss != ds {
                    self.error(path, format!("element size changed: {ss} -> {ds} bytes"));
                }
            }
        }
        let (sn, dn) = (
            s.get("num").and_then(Value::as_i64),
            d.get("num").and_then(Value::as_i64),
        );
        if sn.is_some() && dn.is_some() && sn != dn {
            self.error(
                path,
                format!(
                    "array length changed: {} -> {}",
                    sn.unwrap_or(1),
                    dn.unwrap_or(1)
                ),
            );
        }
        if let (Some(st), Some(dt)) = (
            s.get("type").and_then(Value::as_str),
            d.get("type").and_then(Value::as_str),
        ) {
            if st != dt {
                self.error(path, format!("type changed: {st} -> {dt}"));
            }
        }
        let (se, de) = (
            s.get("field_exists").and_then(Value::as_bool),
            d.get("field_exists").and_then(Value::as_bool),
        );
        if se.is_some() && de.is_some() && se != de {
            self.push(
                Severity::Warning,
                path,
                "existence test added or removed: check both sides agree on presence".into(),
            );
        }
    }

    fn sections(&mut self, src: &Map<String, Value>, dst: &Map<String, Value>) {
        if let (Some(a), Some(b)) = (src.get("vmschkmachine"), dst.get("vmschkmachine")) {
            if a.get("Name") != b.get("Name") {
                self.push(
                    Severity::Warning,
                    "vmschkmachine",
                    format!(
                        "machine types differ: {} and {}",
                        name_of(a, "Name"),
                        name_of(b, "Name")
                    ),
                );
            }
        }
        for (name, s) in src {
            if name == "vmschkmachine" {
                continue;
            }
            let renamed = SECTION_RENAMES
                .iter()
                .find_map(|&(a, b)| match name.as_str() {
                    n if n == a => Some(b),
                    n if n == b => Some(a),
                    _ => None,
                });
            let Some(d) = dst.get(name).or_else(|| renamed.and_then(|r| dst.get(r))) else {
                self.error(name, "section does not exist on the destination".into());
                continue;
            };
            self.versions(name, s, d);
            for key in s.as_object().map(Map::keys).into_iter().flatten() {
                if d.get(key).is_none() {
                    self.error(name, format!("the destination's section has no `{key}`"));
                }
            }
            if let (Some(sd), Some(dd)) = (s.get("Description"), d.get("Description")) {
                self.description(name, sd, dd);
            }
        }
    }
}

/// Checks migration between the releases that produced `old` and `new`.
///
/// ```
/// use serde_json::json;
/// use vmstate_tools::check::{check, Direction};
/// let dev = |v: i64, size: i64| json!({"Name": "dev", "version_id": v, "minimum_version_id": 1,
///     "Description": {"name": "dev", "version_id": v, "minimum_version_id": 1,
///         "Fields": [{"field": "a", "version_id": 0, "field_exists": false, "size": size}]}});
/// let old = json!({"vmschkmachine": {"Name": "pc-9.0"}, "dev": dev(1, 4)});
/// let new = json!({"vmschkmachine": {"Name": "pc-9.0"}, "dev": dev(2, 8)});
/// let r = check(&old, &new).unwrap();
/// assert_eq!(r.errors(Direction::Forward).count(), 1);  // the size change
/// // too new (the section and its description) + the size change
/// assert_eq!(r.errors(Direction::Backward).count(), 3);
/// ```
pub fn check(old: &Value, new: &Value) -> Result<Report> {
    let (Some(o), Some(n)) = (old.as_object(), new.as_object()) else {
        return Err(Error::invalid(
            "a -dump-vmstate file must hold a JSON object",
        ));
    };
    let mut findings = Vec::new();
    for (direction, src, dst) in [(Direction::Forward, o, n), (Direction::Backward, n, o)] {
        let mut c = Checker {
            direction,
            findings: Vec::new(),
        };
        c.sections(src, dst);
        findings.extend(c.findings);
    }
    Ok(Report { findings })
}
