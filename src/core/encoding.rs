//! Text files as Japanese Windows PCs save them: UTF-8 (with or without Notepad's byte-order
//! mark), UTF-16 with its byte-order mark (Notepad's "Unicode"), or Shift-JIS (CP932: Excel's CSV
//! and older Notepad's "ANSI"). Anything else is refused where its first undecodable byte is.

use super::diagnostic::{Diagnostic, Position};

/// `bytes` as text, with the name of the encoding it was read as when not UTF-8 (for `check` to
/// say once).
pub fn decode(bytes: &[u8]) -> Result<(String, Option<&'static str>), Diagnostic> {
    if let Some(utf8) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8_text(utf8).map(|text| (text, None));
    }
    for (mark, encoding, name) in [
        (b"\xFF\xFE", encoding_rs::UTF_16LE, "UTF-16"),
        (b"\xFE\xFF", encoding_rs::UTF_16BE, "UTF-16"),
    ] {
        if let Some(rest) = bytes.strip_prefix(mark) {
            return match encoding.decode_without_bom_handling_and_without_replacement(rest) {
                Some(text) => Ok((text.into_owned(), Some(name))),
                None => Err(Diagnostic::new(
                    Position::START,
                    "the file says it is UTF-16 but is not",
                )
                .with_hint(SAVE_AS_UTF8)),
            };
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_owned(), None));
    }
    // WHATWG's Shift_JIS is CP932, Windows' own: NEC and IBM extensions included.
    match encoding_rs::SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok((text.into_owned(), Some("Shift-JIS"))),
        None => utf8_text(bytes).map(|text| (text, None)),
    }
}

const SAVE_AS_UTF8: &str = "save it as UTF-8 (in Notepad: Save as → Encoding → UTF-8)";

/// `bytes` as UTF-8, or where they stop being it.
fn utf8_text(bytes: &[u8]) -> Result<String, Diagnostic> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        let valid = &bytes[..e.utf8_error().valid_up_to()];
        let position = Position::of_offset(&String::from_utf8_lossy(valid), valid.len());
        Diagnostic::new(position, "the file is neither UTF-8 nor Shift-JIS text")
            .with_hint(SAVE_AS_UTF8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAYLIST: &str = "Playlist(title: \"食中毒予防 ①\", slides: [])\r\n";

    #[test]
    fn utf8_with_or_without_a_mark_is_read_as_it_is() {
        assert_eq!(
            decode(PLAYLIST.as_bytes()).unwrap(),
            (PLAYLIST.into(), None)
        );
        let marked = [b"\xEF\xBB\xBF".as_slice(), PLAYLIST.as_bytes()].concat();
        assert_eq!(decode(&marked).unwrap(), (PLAYLIST.into(), None));
    }

    #[test]
    fn shift_jis_and_utf16_are_read_and_named() {
        let sjis = encoding_rs::SHIFT_JIS.encode(PLAYLIST).0;
        assert_eq!(decode(&sjis).unwrap(), (PLAYLIST.into(), Some("Shift-JIS")));
        let mut le = vec![0xFF, 0xFE];
        le.extend(PLAYLIST.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&le).unwrap(), (PLAYLIST.into(), Some("UTF-16")));
        let mut be = vec![0xFE, 0xFF];
        be.extend(PLAYLIST.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&be).unwrap(), (PLAYLIST.into(), Some("UTF-16")));
    }

    #[test]
    fn other_bytes_are_refused_where_they_start() {
        // Line 2, after 「ab」: a byte neither UTF-8 nor Shift-JIS can start a character with.
        let problem = decode(b"Playlist(\nab\xFF\xFF)").unwrap_err();
        assert_eq!(problem.position, Position { line: 2, column: 3 });
        assert!(problem.message.contains("neither UTF-8 nor Shift-JIS"));
        // A UTF-16 mark before an odd number of bytes.
        assert!(decode(b"\xFF\xFEa").is_err());
    }
}
