//! QEMU's wire primitives (big-endian integers, raw bytes, the one-byte-length string)
//! over byte slices ([`Reader`], [`Writer`]) and over `std::io` ([`read_be32`] and
//! friends). Byte order is always explicit; nothing depends on the host's.
//!
//! The [`Reader`] never panics and never trusts a length: every read is bounds-checked
//! and reports the offset where the input ran out.

use alloc::vec::Vec;

use byteorder::{BigEndian, ByteOrder};
#[cfg(feature = "std")]
use byteorder::{ReadBytesExt, WriteBytesExt};
#[cfg(feature = "std")]
use std::io;

use crate::error::{Error, ErrorKind, Result};
use crate::json::JsonWriter;

/// A bounds-checked cursor over an input byte slice.
///
/// ```
/// use vmstate::wire::Reader;
/// let mut r = Reader::new(&[0x00, 0x00, 0x01, 0x00, 0x03, b'c', b'p', b'u']);
/// assert_eq!(r.get_be32().unwrap(), 256);
/// assert_eq!(r.get_counted_str().unwrap(), b"cpu");
/// assert!(r.get_u8().is_err()); // past the end: an error, not a zero
/// ```
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: u64,
}

impl<'a> Reader<'a> {
    /// A reader over `data`, reporting offsets from 0.
    pub fn new(data: &'a [u8]) -> Self {
        Reader {
            data,
            pos: 0,
            base: 0,
        }
    }

    /// A reader over `data` whose first byte sits at offset `base` of a larger stream.
    pub fn with_base(data: &'a [u8], base: u64) -> Self {
        Reader { data, pos: 0, base }
    }

    /// Absolute offset of the next byte.
    #[inline]
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Bytes consumed so far.
    #[inline]
    pub fn consumed(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// The unread bytes.
    pub fn rest(&self) -> &'a [u8] {
        &self.data[self.pos..]
    }

    #[cold]
    fn eof(&self, needed: usize) -> Error {
        Error::new(ErrorKind::UnexpectedEof {
            needed,
            available: self.remaining(),
        })
        .at_offset(self.offset())
    }

    /// Takes the next `n` bytes.
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.remaining() < n {
            return Err(self.eof(n));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Takes the next `N` bytes as an array.
    #[inline]
    pub fn take_array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.take(n).map(|_| ())
    }

    /// Looks at `n` bytes starting `at` bytes ahead without consuming them; `None` when
    /// the input is shorter.
    pub fn peek(&self, at: usize, n: usize) -> Option<&'a [u8]> {
        let start = self.pos.checked_add(at)?;
        let end = start.checked_add(n)?;
        self.data.get(start..end)
    }

    /// Reads one byte.
    #[inline]
    pub fn get_u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    /// Reads a big-endian u16.
    #[inline]
    pub fn get_be16(&mut self) -> Result<u16> {
        Ok(BigEndian::read_u16(self.take(2)?))
    }

    /// Reads a big-endian u32.
    #[inline]
    pub fn get_be32(&mut self) -> Result<u32> {
        Ok(BigEndian::read_u32(self.take(4)?))
    }

    /// Reads a big-endian u64.
    #[inline]
    pub fn get_be64(&mut self) -> Result<u64> {
        Ok(BigEndian::read_u64(self.take(8)?))
    }

    /// Reads a counted string: one length byte, then that many bytes.
    pub fn get_counted_str(&mut self) -> Result<&'a [u8]> {
        let len = self.get_u8()?;
        self.take(usize::from(len))
    }
}

/// An output buffer for saving, optionally recording QEMU's JSON description of what is
/// written.
///
/// ```
/// use vmstate::wire::Writer;
/// let mut out = Vec::new();
/// let mut w = Writer::new(&mut out);
/// w.put_be32(0x5145564d);
/// w.put_counted_str(b"cpu").unwrap();
/// assert_eq!(out, b"QEVM\x03cpu");
/// ```
pub struct Writer<'a> {
    buf: &'a mut Vec<u8>,
    base: u64,
    start: usize,
    pub(crate) desc: Option<&'a mut JsonWriter>,
}

impl<'a> Writer<'a> {
    /// A writer appending to `buf`; offsets count from the current end of `buf`.
    pub fn new(buf: &'a mut Vec<u8>) -> Self {
        let start = buf.len();
        Writer {
            buf,
            base: 0,
            start,
            desc: None,
        }
    }

    /// A writer whose first byte will sit at offset `base` of a larger stream, recording
    /// the JSON description into `desc` when given.
    pub fn with_desc(buf: &'a mut Vec<u8>, base: u64, desc: Option<&'a mut JsonWriter>) -> Self {
        let start = buf.len();
        Writer {
            buf,
            base,
            start,
            desc,
        }
    }

    /// Absolute offset of the next byte.
    #[inline]
    pub fn offset(&self) -> u64 {
        self.base + (self.buf.len() - self.start) as u64
    }

    /// Bytes written through this writer.
    #[inline]
    pub fn written(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Whether the JSON description is being recorded.
    #[inline]
    pub fn describing(&self) -> bool {
        self.desc.is_some()
    }

    /// The JSON description being recorded, if any.
    pub fn desc(&mut self) -> Option<&mut JsonWriter> {
        self.desc.as_deref_mut()
    }

    /// Runs `f` with description recording switched off.
    pub fn without_desc<T>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> T) -> T {
        let mut w = Writer {
            buf: &mut *self.buf,
            base: self.base,
            start: self.start,
            desc: None,
        };
        f(&mut w)
    }

    /// Writes one byte.
    #[inline]
    pub fn put_u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// Writes a big-endian u16.
    #[inline]
    pub fn put_be16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Writes a big-endian u32.
    #[inline]
    pub fn put_be32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Writes a big-endian u64.
    #[inline]
    pub fn put_be64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Writes raw bytes.
    #[inline]
    pub fn put_bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    /// Writes `n` zero bytes.
    pub fn put_zeros(&mut self, n: usize) {
        self.buf.resize(self.buf.len() + n, 0);
    }

    /// Appends one `N`-byte chunk per item, produced by `f` (the bulk path of arrays of
    /// primitives and of fixed-size structs: `f` is the big-endian conversion).
    #[inline]
    pub fn put_chunks<T, const N: usize>(&mut self, items: &[T], f: impl Fn(&T) -> [u8; N]) {
        let n = items.len() * N;
        self.buf.reserve(n);
        let spare = &mut self.buf.spare_capacity_mut()[..n];
        for (dst, item) in spare.chunks_exact_mut(N).zip(items) {
            // A whole-chunk copy (not byte by byte): LLVM keeps this a scalar byte swap
            // and store, which beats its SSE2 shuffle sequence for the per-byte form.
            dst.copy_from_slice(&f(item).map(core::mem::MaybeUninit::new));
        }
        let len = self.buf.len() + n;
        // SAFETY: `reserve` made room for `n` more bytes, and the loop above initialized
        // all `n` of them (`spare` is exactly `items.len()` chunks of `N` bytes). Writing
        // into spare capacity instead of `resize` + overwrite saves a memset of the whole
        // array: about 10% of a cpu-section save in benches/cpu_like.rs.
        #[allow(unsafe_code)]
        unsafe {
            self.buf.set_len(len);
        }
    }

    /// Appends `n` bytes that `fill` writes (given them zeroed): a fixed-size value
    /// converted in place.
    #[inline]
    pub fn put_filled(&mut self, n: usize, fill: impl FnOnce(&mut [u8])) {
        let start = self.buf.len();
        self.buf.resize(start + n, 0);
        fill(&mut self.buf[start..]);
    }

    /// Writes a counted string (one length byte, then the bytes); longer than 255 bytes
    /// is an error.
    pub fn put_counted_str(&mut self, s: &[u8]) -> Result<()> {
        let len = u8::try_from(s.len()).map_err(|_| {
            Error::new(ErrorKind::InvalidState(
                "counted string longer than 255 bytes".into(),
            ))
            .at_offset(self.offset())
        })?;
        self.put_u8(len);
        self.put_bytes(s);
        Ok(())
    }
}

/// Reads a big-endian u16 from an `io::Read`.
#[cfg(feature = "std")]
pub fn read_be16<R: io::Read + ?Sized>(r: &mut R) -> io::Result<u16> {
    r.read_u16::<BigEndian>()
}

/// Reads a big-endian u32 from an `io::Read`.
#[cfg(feature = "std")]
pub fn read_be32<R: io::Read + ?Sized>(r: &mut R) -> io::Result<u32> {
    r.read_u32::<BigEndian>()
}

/// Reads a big-endian u64 from an `io::Read`.
#[cfg(feature = "std")]
pub fn read_be64<R: io::Read + ?Sized>(r: &mut R) -> io::Result<u64> {
    r.read_u64::<BigEndian>()
}

/// Reads a counted string (length byte + bytes) from an `io::Read`.
#[cfg(feature = "std")]
pub fn read_counted_str<R: io::Read + ?Sized>(r: &mut R) -> io::Result<Vec<u8>> {
    let len = r.read_u8()?;
    let mut v = alloc::vec![0u8; usize::from(len)];
    r.read_exact(&mut v)?;
    Ok(v)
}

/// Writes a big-endian u16 to an `io::Write`.
#[cfg(feature = "std")]
pub fn write_be16<W: io::Write + ?Sized>(w: &mut W, v: u16) -> io::Result<()> {
    w.write_u16::<BigEndian>(v)
}

/// Writes a big-endian u32 to an `io::Write`.
#[cfg(feature = "std")]
pub fn write_be32<W: io::Write + ?Sized>(w: &mut W, v: u32) -> io::Result<()> {
    w.write_u32::<BigEndian>(v)
}

/// Writes a big-endian u64 to an `io::Write`.
#[cfg(feature = "std")]
pub fn write_be64<W: io::Write + ?Sized>(w: &mut W, v: u64) -> io::Result<()> {
    w.write_u64::<BigEndian>(v)
}

/// Writes a counted string to an `io::Write`; longer than 255 bytes is an error.
#[cfg(feature = "std")]
pub fn write_counted_str<W: io::Write + ?Sized>(w: &mut W, s: &[u8]) -> io::Result<()> {
    let len = u8::try_from(s.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "counted string too long"))?;
    w.write_u8(len)?;
    w.write_all(s)
}
