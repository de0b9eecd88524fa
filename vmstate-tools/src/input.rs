//! Reading stream files: plain, or gzip-compressed (detected by magic), with a size cap.

use std::io::Read;
use std::path::Path;

use vmstate::{Error, ErrorKind, Result};

/// Largest decompressed stream accepted (4 GiB).
pub const MAX_STREAM: u64 = 4 << 30;

/// Reads a file, decompressing it when it starts with the gzip magic.
pub fn read_stream(path: &Path) -> Result<Vec<u8>> {
    let raw =
        std::fs::read(path).map_err(|e| Error::invalid(format!("{}: {e}", path.display())))?;
    decompress(raw)
}

/// Decompresses `raw` when it is gzip data; returns it unchanged otherwise.
///
/// ```
/// let plain = b"QEVM".to_vec();
/// assert_eq!(vmstate_tools::input::decompress(plain.clone()).unwrap(), plain);
/// ```
pub fn decompress(raw: Vec<u8>) -> Result<Vec<u8>> {
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return Ok(raw);
    }
    let mut out = Vec::new();
    let mut dec = flate2::read::MultiGzDecoder::new(&raw[..]).take(MAX_STREAM + 1);
    dec.read_to_end(&mut out)
        .map_err(|e| Error::invalid(format!("gzip: {e}")))?;
    if out.len() as u64 > MAX_STREAM {
        return Err(Error::new(ErrorKind::LimitExceeded {
            requested: out.len() as u64,
            limit: MAX_STREAM,
        }));
    }
    Ok(out)
}
