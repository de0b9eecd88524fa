//! Schema lock for library users: a test that fails when a change to a type breaks
//! migration from or to a committed earlier schema.
//!
//! ```no_run
//! # use vmstate::VmState;
//! # #[derive(VmState)] #[vmstate(name = "dev", version = 1)] struct Dev { a: u32 }
//! // tests/schema.rs
//! #[test]
//! fn dev_schema_stays_compatible() {
//!     vmstate_tools::lock::assert_compatible(
//!         "tests/schema/dev.json",
//!         &[("dev", <Dev as VmState>::DESCRIPTION)],
//!     );
//! }
//! ```
//! Run once with `VMSTATE_BLESS=1` to write (or, after an intended compatible change,
//! update) the committed file.

use std::path::Path;

use serde_json::Value;
use vmstate::json::dump_vmstate;
use vmstate::Description;

use crate::check::{check, Report};

/// Compares the committed schema at `path` with the current descriptions; returns the
/// report, or writes the file when it is missing and `bless` is set.
pub fn compare(
    path: &Path,
    entries: &[(&str, &Description)],
    bless: bool,
) -> Result<Report, String> {
    let current_text = dump_vmstate("schema-lock", entries);
    let current: Value = serde_json::from_str(&current_text).map_err(|e| e.to_string())?;
    let report = match std::fs::read(path) {
        Ok(raw) => {
            let committed = serde_json::from_slice::<Value>(&raw)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            check(&committed, &current).map_err(|e| e.to_string())?
        }
        Err(_) if bless => Report::default(),
        Err(e) => {
            return Err(format!(
                "{}: {e} (run with VMSTATE_BLESS=1 to create it)",
                path.display()
            ))
        }
    };
    if bless && report.is_compatible() {
        let pretty = serde_json::to_string_pretty(&current).map_err(|e| e.to_string())? + "\n";
        std::fs::write(path, pretty).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(report)
}

/// Panics, listing the breaks, when the current descriptions cannot migrate from or to
/// the committed schema at `path` (relative to the current directory, normally the
/// crate root under `cargo test`).
pub fn assert_compatible(path: impl AsRef<Path>, entries: &[(&str, &Description)]) {
    let bless = std::env::var_os("VMSTATE_BLESS").is_some();
    match compare(path.as_ref(), entries, bless) {
        Ok(r) if r.is_compatible() => {}
        Ok(r) => panic!(
            "schema change breaks migration against {}:\n{r}",
            path.as_ref().display()
        ),
        Err(e) => panic!("{e}"),
    }
}
