//! The bundled Japanese font, so text never depends on what the system has installed.

use resvg::usvg::fontdb;
use std::sync::Arc;

/// BIZ UDPGothic, Morisawa's Universal Design font: easy to read for children and elderly visitors.
pub const FAMILY: &str = "BIZ UDPGothic";
pub static REGULAR: &[u8] = include_bytes!("../../assets/fonts/BIZUDPGothic-Regular.ttf");
pub static BOLD: &[u8] = include_bytes!("../../assets/fonts/BIZUDPGothic-Bold.ttf");

/// A font database for SVG posters holding only the bundled font, used for every family an SVG
/// asks for, so a poster written with "Arial" still shows Japanese rather than boxes.
pub fn svg_font_database() -> Arc<fontdb::Database> {
    let mut database = fontdb::Database::new();
    for data in [REGULAR, BOLD] {
        database.load_font_source(fontdb::Source::Binary(Arc::new(data)));
    }
    database.set_sans_serif_family(FAMILY);
    database.set_serif_family(FAMILY);
    database.set_monospace_family(FAMILY);
    database.set_cursive_family(FAMILY);
    database.set_fantasy_family(FAMILY);
    Arc::new(database)
}
