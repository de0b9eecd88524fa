//! What the other side of a migration is.
//!
//! QEMU decides what an older destination can accept through *machine-type compatibility
//! properties*: `pseries-2.9` turns on `pre-2.10-migration`, and every description that
//! added state after 2.9 checks that flag before sending it. Here that decision is data:
//! a [`Context`] names the machine type and the compat flags in force, and descriptions
//! declare `if_compat` / `unless_compat` on the fields and subsections they gate. The
//! same context reaches every `needed`, `test` and hook.

use alloc::borrow::Cow;
use alloc::vec::Vec;

/// The machine type a stream is written for (on save) or read into (on load), and the
/// compatibility flags of that machine type.
///
/// ```
/// use vmstate::Context;
/// let cx = Context::new("pseries-2.9").with_compat("pre-2.10-migration");
/// assert!(cx.compat("pre-2.10-migration"));
/// assert!(!cx.compat("pre-2.8-migration"));
/// assert_eq!(cx.machine(), "pseries-2.9");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    machine: Cow<'static, str>,
    compat: Vec<Cow<'static, str>>,
}

impl Context {
    /// A context for the named machine type with no compat flags.
    pub fn new(machine: impl Into<Cow<'static, str>>) -> Self {
        Context {
            machine: machine.into(),
            compat: Vec::new(),
        }
    }

    /// Adds a compat flag (e.g. `pre-2.10-migration`).
    #[must_use]
    pub fn with_compat(mut self, flag: impl Into<Cow<'static, str>>) -> Self {
        let flag = flag.into();
        if !self.compat(&flag) {
            self.compat.push(flag);
        }
        self
    }

    /// Adds every flag of `flags`.
    #[must_use]
    pub fn with_compat_flags<I, S>(mut self, flags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Cow<'static, str>>,
    {
        for f in flags {
            self = self.with_compat(f);
        }
        self
    }

    /// The machine type name (empty when none was given).
    pub fn machine(&self) -> &str {
        &self.machine
    }

    /// Whether a compat flag is on.
    pub fn compat(&self, flag: &str) -> bool {
        self.compat.iter().any(|f| f == flag)
    }

    /// All compat flags that are on.
    pub fn compat_flags(&self) -> impl Iterator<Item = &str> {
        self.compat.iter().map(|f| &**f)
    }
}
