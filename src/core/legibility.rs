//! Whether text can be read: against what is behind it, by WCAG 2.x's contrast ratio (at least
//! 4.5:1 for text, 3:1 for large text such as a slide's title), and from where visitors stand,
//! by the angle its characters subtend (ISO 9241-3). Elderly visitors and a screen seen from
//! across a room need both more than a desk does.
//! <https://www.w3.org/TR/WCAG21/#contrast-minimum>

/// The least contrast for text, and for large text (18 pt, or 14 pt bold, and up).
pub const TEXT_CONTRAST: f64 = 4.5;
pub const LARGE_TEXT_CONTRAST: f64 = 3.0;

/// WCAG's relative luminance of an sRGB colour.
pub fn relative_luminance([r, g, b]: [u8; 3]) -> f64 {
    let linear = |channel: u8| {
        let c = f64::from(channel) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

/// The contrast ratio of two colours, from 1 (the same) to 21 (black on white).
pub fn contrast_ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// A colour with alpha as it shows over an opaque background.
pub fn over([r, g, b, a]: [u8; 4], [br, bg, bb]: [u8; 3]) -> [u8; 3] {
    let mix = |f: u8, b: u8| {
        ((u32::from(f) * u32::from(a) + u32::from(b) * (255 - u32::from(a)) + 127) / 255) as u8
    };
    [mix(r, br), mix(g, bg), mix(b, bb)]
}

/// Why `text` on `background` is too faint to read, if it is: both colours and the ratio.
pub fn too_faint(text: [u8; 4], background: [u8; 3], large: bool) -> Option<String> {
    let shown = over(text, background);
    let ratio = contrast_ratio(shown, background);
    let least = if large {
        LARGE_TEXT_CONTRAST
    } else {
        TEXT_CONTRAST
    };
    (ratio < least).then(|| {
        format!(
            "{} on {} has a contrast of {ratio:.1}:1, below the {least}:1 {} needs to be read \
             (WCAG 2.x)",
            hex(shown),
            hex(background),
            if large { "a title" } else { "text" }
        )
    })
}

/// ISO 9241-3 (repeated in ISO 9241-303 and NUREG-0700): "Character heights of from 20 to 22
/// minutes of arc are preferred for most tasks. The minimum character height shall be 16
/// minutes of arc." Body text is held to the preferred 20′.
pub const READING_ARC_MINUTES: f64 = 20.0;

/// Where a screen is read from, and how big it is (its diagonal, 16:9).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewing {
    pub distance_m: f64,
    pub screen_inches: f64,
}

impl Default for Viewing {
    /// A lobby screen: 50 inches, read from 3 m.
    fn default() -> Self {
        Viewing {
            distance_m: 3.0,
            screen_inches: 50.0,
        }
    }
}

impl Viewing {
    /// The smallest type size, in pixels of a screen `short_side_px` pixels high (or wide, in
    /// portrait), whose characters, `character_height` of the size tall, subtend
    /// [`READING_ARC_MINUTES`] from where the screen is read.
    pub fn smallest_size_px(&self, short_side_px: f64, character_height: f64) -> f64 {
        let angle = (READING_ARC_MINUTES / 60.0).to_radians();
        let needed_m = 2.0 * self.distance_m * (angle / 2.0).tan();
        let short_side_m = self.screen_inches * 0.0254 * 9.0 / 16f64.hypot(9.0);
        needed_m / (short_side_m / short_side_px) / character_height
    }

    /// Why `what`, set `size_px` tall on a 1920×1080 screen in type whose characters fill
    /// `character_height` of the size, is too small to read from here, if it is.
    pub fn too_small(&self, what: &str, size_px: f64, character_height: f64) -> Option<String> {
        let needed = self.smallest_size_px(1080.0, character_height);
        (size_px < needed - 0.5).then(|| {
            format!(
                "{what} is set {size_px:.0} px tall on a 1920×1080 screen; read from {} m on a {}-inch \
                 screen it needs {needed:.0} px (characters {READING_ARC_MINUTES}′ of arc tall, ISO 9241-3)",
                self.distance_m, self.screen_inches
            )
        })
    }
}

fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02X}{g:02X}{b:02X}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_must_subtend_twenty_minutes_of_arc_from_where_it_is_read() {
        let lobby = Viewing::default();
        // 20′ from 3 m is 17.5 mm; a 50-inch 16:9 screen is 623 mm high, 0.577 mm a pixel at
        // 1080: 30.3 px of character, so 33.7 px of type whose characters fill 0.9 of it.
        let needed = lobby.smallest_size_px(1080.0, 0.9);
        assert!((needed - 33.7).abs() < 0.1, "{needed}");
        // Twice as far needs twice the size; a screen twice as big, half.
        let far = Viewing {
            distance_m: 6.0,
            ..lobby
        };
        assert!((far.smallest_size_px(1080.0, 0.9) - 2.0 * needed).abs() < 1e-9);
        let big = Viewing {
            screen_inches: 100.0,
            ..lobby
        };
        assert!((big.smallest_size_px(1080.0, 0.9) - needed / 2.0).abs() < 1e-9);
        assert_eq!(lobby.too_small("the body", 34.0, 0.9), None);
        assert_eq!(
            lobby.too_small("the body", 24.0, 0.9).unwrap(),
            "the body is set 24 px tall on a 1920×1080 screen; read from 3 m on a 50-inch screen \
             it needs 34 px (characters 20′ of arc tall, ISO 9241-3)"
        );
    }

    #[test]
    fn ratios_are_wcags() {
        assert!((contrast_ratio([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
        assert!((contrast_ratio([255, 255, 255], [255, 255, 255]) - 1.0).abs() < 1e-9);
        // WebAIM's checker: #777777 on white is 4.48:1, just short of 4.5.
        assert!((contrast_ratio([0x77; 3], [255; 3]) - 4.48).abs() < 0.01);
    }

    #[test]
    fn light_grey_on_white_is_too_faint_and_named_with_its_ratio() {
        let said = too_faint([0xAA, 0xAA, 0xAA, 255], [255; 3], false).unwrap();
        assert_eq!(
            said,
            "#AAAAAA on #FFFFFF has a contrast of 2.3:1, below the 4.5:1 text needs to be read (WCAG 2.x)"
        );
        // Large enough for a title at 3:1 is #949494 (3.03:1).
        assert!(too_faint([0x94, 0x94, 0x94, 255], [255; 3], true).is_none());
        assert!(too_faint([0x94, 0x94, 0x94, 255], [255; 3], false).is_some());
        // Faded text is judged as it shows.
        assert_eq!(over([0, 0, 0, 128], [255; 3]), [127, 127, 127]);
    }
}
