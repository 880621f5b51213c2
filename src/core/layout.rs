//! How the screen is shared: the slide's main area, and a band or column holding the clock and
//! the ticker. Regions are whole pixels of the canvas, so each is its own picture drawn one texel
//! to a pixel.

use serde::Deserialize;

/// A playlist's (or the device's) choice of layout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize)]
pub enum Layout {
    /// The slide fills the screen.
    #[default]
    Full,
    /// A band along the bottom (or top) with the ticker and the clock.
    Band(Band),
    /// A column at the right (or left) with the clock above the ticker. On a portrait screen a
    /// column would be too narrow to read, so it becomes a band at the bottom.
    Side(Side),
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Band {
    pub edge: BandEdge,
    /// Whether the band holds the clock (at its right end).
    pub clock: bool,
}

impl Default for Band {
    fn default() -> Self {
        Band {
            edge: BandEdge::Bottom,
            clock: true,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum BandEdge {
    Top,
    #[default]
    Bottom,
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Side {
    pub edge: SideEdge,
    pub clock: bool,
}

impl Default for Side {
    fn default() -> Self {
        Side {
            edge: SideEdge::Right,
            clock: true,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum SideEdge {
    Left,
    #[default]
    Right,
}

/// A rectangle of the canvas in pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Rect {
    /// Left, top, right and bottom as fractions of a `width`×`height` canvas.
    pub fn fractions(&self, width: u32, height: u32) -> [f32; 4] {
        let (w, h) = (width as f32, height as f32);
        [
            self.x as f32 / w,
            self.y as f32 / h,
            (self.x + self.width) as f32 / w,
            (self.y + self.height) as f32 / h,
        ]
    }
}

/// Where each part of a layout goes on one canvas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Regions {
    pub main: Rect,
    pub clock: Option<Rect>,
    pub ticker: Option<Rect>,
    /// How the clock and ticker are arranged: side by side in a band, stacked in a column.
    pub stacked: bool,
}

/// A band's height as a share of the screen's short side: two lines of large type.
const BAND_SHARE: f32 = 0.13;
/// A column's width as a share of the screen's width.
const SIDE_SHARE: f32 = 0.26;
/// The clock's width in a band, in band heights: the time and the longest Japanese date.
const CLOCK_WIDTH_IN_BANDS: f32 = 4.6;

impl Layout {
    /// The regions of this layout on a `width`×`height` canvas. The clock and ticker regions
    /// never overlap the main area and together with it cover the canvas exactly.
    pub fn regions(&self, width: u32, height: u32) -> Regions {
        let whole = Rect {
            x: 0,
            y: 0,
            width,
            height,
        };
        let band = |edge: BandEdge, clock: bool| {
            let band_height =
                ((width.min(height) as f32 * BAND_SHARE).round() as u32).min(height / 3);
            let (main_y, band_y) = match edge {
                BandEdge::Bottom => (0, height - band_height),
                BandEdge::Top => (band_height, 0),
            };
            let clock_width = if clock {
                ((band_height as f32 * CLOCK_WIDTH_IN_BANDS).round() as u32).min(width / 2)
            } else {
                0
            };
            Regions {
                main: Rect {
                    y: main_y,
                    height: height - band_height,
                    ..whole
                },
                ticker: Some(Rect {
                    x: 0,
                    y: band_y,
                    width: width - clock_width,
                    height: band_height,
                }),
                clock: clock.then_some(Rect {
                    x: width - clock_width,
                    y: band_y,
                    width: clock_width,
                    height: band_height,
                }),
                stacked: false,
            }
        };
        match *self {
            Layout::Full => Regions {
                main: whole,
                ..Regions::default()
            },
            Layout::Band(b) => band(b.edge, b.clock),
            Layout::Side(s) if height > width => band(BandEdge::Bottom, s.clock),
            Layout::Side(s) => {
                let column = (width as f32 * SIDE_SHARE).round() as u32;
                let (main_x, column_x) = match s.edge {
                    SideEdge::Right => (0, width - column),
                    SideEdge::Left => (column, 0),
                };
                let clock_height = if s.clock { (height / 3).min(column) } else { 0 };
                Regions {
                    main: Rect {
                        x: main_x,
                        width: width - column,
                        ..whole
                    },
                    clock: s.clock.then_some(Rect {
                        x: column_x,
                        y: 0,
                        width: column,
                        height: clock_height,
                    }),
                    ticker: Some(Rect {
                        x: column_x,
                        y: clock_height,
                        width: column,
                        height: height - clock_height,
                    }),
                    stacked: true,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(rect: Option<Rect>) -> u64 {
        rect.map_or(0, |r| u64::from(r.width) * u64::from(r.height))
    }

    fn overlap(a: Rect, b: Rect) -> bool {
        a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
    }

    fn inside(r: Rect, width: u32, height: u32) -> bool {
        r.x + r.width <= width && r.y + r.height <= height && r.width > 0 && r.height > 0
    }

    const SCREENS: [(u32, u32); 3] = [(1920, 1080), (1080, 1920), (1280, 800)];

    #[test]
    fn regions_tile_the_screen_without_overlapping() {
        let layouts = [
            Layout::Full,
            Layout::Band(Band::default()),
            Layout::Band(Band {
                edge: BandEdge::Top,
                clock: false,
            }),
            Layout::Side(Side::default()),
            Layout::Side(Side {
                edge: SideEdge::Left,
                clock: true,
            }),
        ];
        for (width, height) in SCREENS {
            for layout in layouts {
                let r = layout.regions(width, height);
                let parts: Vec<Rect> = [Some(r.main), r.clock, r.ticker]
                    .into_iter()
                    .flatten()
                    .collect();
                for (i, a) in parts.iter().enumerate() {
                    assert!(
                        inside(*a, width, height),
                        "{layout:?} {width}x{height}: {a:?}"
                    );
                    for b in &parts[i + 1..] {
                        assert!(!overlap(*a, *b), "{layout:?} {width}x{height}: {a:?} {b:?}");
                    }
                }
                let total = area(Some(r.main)) + area(r.clock) + area(r.ticker);
                assert_eq!(
                    total,
                    u64::from(width) * u64::from(height),
                    "{layout:?} {width}x{height}"
                );
            }
        }
    }

    #[test]
    fn a_band_is_two_lines_of_large_type_and_the_clock_fits_its_date() {
        for (width, height) in SCREENS {
            let r = Layout::Band(Band::default()).regions(width, height);
            let band = r.ticker.unwrap();
            let clock = r.clock.unwrap();
            assert_eq!(band.y + band.height, height, "at the bottom");
            assert!(band.height >= 100, "{width}x{height}: {band:?}");
            assert!(
                band.height * 6 < height,
                "{width}x{height}: the slide keeps most of the screen"
            );
            assert!(
                clock.width >= (band.height * 4).min(width / 2),
                "{width}x{height}: {clock:?}"
            );
            assert!(
                band.width >= width / 2,
                "{width}x{height}: the ticker keeps half the band"
            );
        }
    }

    #[test]
    fn a_column_on_a_portrait_screen_becomes_a_band() {
        let portrait = Layout::Side(Side::default()).regions(1080, 1920);
        assert!(!portrait.stacked);
        assert_eq!(portrait.main.width, 1080);
        let landscape = Layout::Side(Side::default()).regions(1920, 1080);
        assert!(landscape.stacked);
        assert_eq!(landscape.main.height, 1080);
        assert_eq!(landscape.clock.unwrap().x, landscape.main.width);
    }

    #[test]
    fn fractions_of_the_screen() {
        let r = Layout::Band(Band::default()).regions(1920, 1080);
        assert_eq!(
            r.main.fractions(1920, 1080),
            [0.0, 0.0, 1.0, (1080.0 - 140.0) / 1080.0]
        );
    }
}
