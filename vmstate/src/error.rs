//! The one error type of the crate.
//!
//! Every error carries the byte offset where it was detected (when there is one) and the
//! path of the description and field it happened in, built up as the error travels out of
//! nested structs and subsections: `cpu/fpu.env.fpscr`, `dev.regs[3].ctrl`.

use alloc::borrow::Cow;
use alloc::{boxed::Box, string::String, string::ToString, vec::Vec};
use core::fmt;

/// What went wrong, without the location (see [`Error`] for that).
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input ended inside a value.
    UnexpectedEof {
        /// Bytes the value still needed.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// The incoming version is newer than the local description's `version`.
    VersionTooNew {
        /// Version found in the stream.
        found: u32,
        /// Highest version the description loads.
        max: u32,
    },
    /// The incoming version is older than `minimum_version` and no old-version loader
    /// accepts it.
    VersionTooOld {
        /// Version found in the stream.
        found: u32,
        /// Lowest version the description loads.
        min: u32,
    },
    /// An `equal` field differs from the destination's own value.
    NotEqual {
        /// The destination's value.
        expected: u64,
        /// The stream's value.
        found: u64,
    },
    /// A value is outside the range the destination accepts (a variable array count above
    /// its maximum, a negative count, an `int32 le` value above the local one, ...).
    OutOfRange {
        /// The offending value.
        value: i64,
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// A subsection whose name carries this description's prefix but that the description
    /// does not declare.
    UnknownSubsection(String),
    /// The same subsection appeared twice in one body.
    DuplicateSubsection(String),
    /// A hook (`pre_load`, `post_load`, `pre_save`, `post_save`, an old-version loader)
    /// returned an error.
    Hook {
        /// Which hook.
        hook: &'static str,
        /// The hook's own error.
        source: Box<dyn core::error::Error + Send + Sync>,
    },
    /// A value could not be saved because the object is inconsistent with its description
    /// (for instance a variable array count larger than its storage).
    InvalidState(Cow<'static, str>),
    /// Anything else, described in words (used by streams and custom codecs).
    Invalid(Cow<'static, str>),
    /// Reading or writing the underlying I/O object failed.
    #[cfg(feature = "std")]
    Io(std::io::Error),
    /// An allocation the input asked for is larger than the configured limit.
    LimitExceeded {
        /// Bytes requested.
        requested: u64,
        /// The limit in force.
        limit: u64,
    },
}

/// One segment of an error path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    /// A description or subsection name (`cpu`, `cpu/fpu`); starts a new path.
    Desc(Cow<'static, str>),
    /// A field name.
    Field(Cow<'static, str>),
    /// An element index.
    Index(usize),
}

/// The error of every fallible operation in this crate.
///
/// ```
/// use vmstate::{Error, ErrorKind};
/// let e = Error::new(ErrorKind::UnexpectedEof { needed: 8, available: 3 })
///     .at_offset(812)
///     .in_field("env.fpscr")
///     .in_description("cpu/fpu");
/// assert_eq!(e.path(), "cpu/fpu.env.fpscr");
/// assert_eq!(e.offset(), Some(812));
/// assert_eq!(e.to_string(), "cpu/fpu.env.fpscr: at byte 812: stream ends, 8 more bytes needed, 3 left");
/// ```
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    offset: Option<u64>,
    /// Innermost segment first.
    path: Vec<Segment>,
}

/// Result type of the crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

impl Error {
    /// A new error of the given kind, without location yet.
    #[cold]
    pub fn new(kind: ErrorKind) -> Self {
        Error(Box::new(Inner {
            kind,
            offset: None,
            path: Vec::new(),
        }))
    }

    /// An [`ErrorKind::Invalid`] error with the given message.
    #[cold]
    pub fn invalid(msg: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Invalid(msg.into()))
    }

    /// An error returned by a hook.
    #[cold]
    pub fn hook<E>(hook: &'static str, source: E) -> Self
    where
        E: Into<Box<dyn core::error::Error + Send + Sync>>,
    {
        Self::new(ErrorKind::Hook {
            hook,
            source: source.into(),
        })
    }

    /// Records the byte offset if none is recorded yet.
    #[must_use]
    pub fn at_offset(mut self, offset: u64) -> Self {
        if self.0.offset.is_none() {
            self.0.offset = Some(offset);
        }
        self
    }

    /// Adds a field name to the path (called as the error leaves a field).
    #[must_use]
    pub fn in_field(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.0.path.push(Segment::Field(name.into()));
        self
    }

    /// Adds an element index to the path.
    #[must_use]
    pub fn at_index(mut self, index: usize) -> Self {
        self.0.path.push(Segment::Index(index));
        self
    }

    /// Adds a description (section or subsection) name to the path. A subsection's name
    /// already carries its parent's, so a description name is only added when the path
    /// does not already start with one.
    #[must_use]
    pub fn in_description(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        if !matches!(self.0.path.last(), Some(Segment::Desc(_))) {
            self.0.path.push(Segment::Desc(name.into()));
        }
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// Byte offset in the input (for loads) or output (for saves), if known.
    pub fn offset(&self) -> Option<u64> {
        self.0.offset
    }

    /// The section/field path, e.g. `cpu/fpu.env.fpscr` or `dev.regs[3].ctrl`.
    pub fn path(&self) -> String {
        let mut s = String::new();
        for seg in self.0.path.iter().rev() {
            match seg {
                Segment::Desc(d) => {
                    s.clear();
                    s.push_str(d);
                }
                Segment::Field(f) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(f);
                }
                Segment::Index(i) => {
                    s.push('[');
                    s.push_str(&i.to_string());
                    s.push(']');
                }
            }
        }
        s
    }

    /// Whether the error is a truncated input (useful for incremental readers that retry
    /// with more data).
    pub fn is_eof(&self) -> bool {
        matches!(self.0.kind, ErrorKind::UnexpectedEof { .. })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::UnexpectedEof { needed, available } => {
                write!(
                    f,
                    "stream ends, {needed} more bytes needed, {available} left"
                )
            }
            ErrorKind::VersionTooNew { found, max } => {
                write!(
                    f,
                    "incoming version {found} is too new (local version {max})"
                )
            }
            ErrorKind::VersionTooOld { found, min } => {
                write!(
                    f,
                    "incoming version {found} is too old (minimum version {min})"
                )
            }
            ErrorKind::NotEqual { expected, found } => {
                write!(
                    f,
                    "value {found:#x} differs from the destination's {expected:#x}"
                )
            }
            ErrorKind::OutOfRange { value, min, max } => {
                write!(
                    f,
                    "value {value} is outside the accepted range {min}..={max}"
                )
            }
            ErrorKind::UnknownSubsection(name) => {
                write!(f, "subsection '{name}' does not exist in this description")
            }
            ErrorKind::DuplicateSubsection(name) => {
                write!(f, "subsection '{name}' appears twice")
            }
            ErrorKind::Hook { hook, source } => write!(f, "{hook} failed: {source}"),
            ErrorKind::InvalidState(msg) => write!(f, "cannot save: {msg}"),
            ErrorKind::Invalid(msg) => f.write_str(msg),
            #[cfg(feature = "std")]
            ErrorKind::Io(e) => write!(f, "I/O error: {e}"),
            ErrorKind::LimitExceeded { requested, limit } => {
                write!(
                    f,
                    "input asks for {requested} bytes, above the limit of {limit}"
                )
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path();
        if !path.is_empty() {
            write!(f, "{path}: ")?;
        }
        if let Some(off) = self.0.offset {
            write!(f, "at byte {off}: ")?;
        }
        write!(f, "{}", self.0.kind)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("path", &self.path())
            .field("offset", &self.0.offset)
            .finish()
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match &self.0.kind {
            ErrorKind::Hook { source, .. } => Some(&**source),
            #[cfg(feature = "std")]
            ErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(feature = "std")]
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            return Error::new(ErrorKind::UnexpectedEof {
                needed: 1,
                available: 0,
            });
        }
        Error::new(ErrorKind::Io(e))
    }
}
