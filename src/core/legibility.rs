//! Whether text can be read against what is behind it, by WCAG 2.x's contrast ratio: at least
//! 4.5:1 for text, 3:1 for large text (a slide's title). Elderly visitors and a screen seen from
//! across a room need it more than a desk does.
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

fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02X}{g:02X}{b:02X}")
}

#[cfg(test)]
mod tests {
    use super::*;

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
