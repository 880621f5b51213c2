//! A file name as staff typed it, matched the way Windows would open it: whatever the case,
//! the Unicode form (a Mac or a copy tool may store が as か + ゛) and the width (`ｍｅｄｉａ１` is
//! `media1`). Linux matches names exactly, so a playlist that works on the office PC would
//! otherwise fail on the screen.

use super::diagnostic::nearest_name;
use icu_normalizer::ComposingNormalizerBorrowed;

/// What a wanted name found among a folder's `names`.
#[derive(Debug, PartialEq, Eq)]
pub enum Found<'a> {
    /// Exactly one name matches: the file to use.
    One(&'a str),
    /// Several do (`Photo.jpg` and `photo.JPG`): Windows could not hold both, so staff must choose.
    Ambiguous(Vec<&'a str>),
    /// None does; the closest name, if one is close.
    Missing { closest: Option<&'a str> },
}

/// The name as Windows compares it: compatibility-composed (NFKC: width and form folded), then
/// lower case.
pub fn windows_key(name: &str) -> String {
    ComposingNormalizerBorrowed::new_nfkc()
        .normalize(name)
        .to_lowercase()
}

/// Finds `wanted` among `names` as Windows would; an exact name wins over others that only
/// match loosely.
pub fn find_like_windows<'a>(wanted: &str, names: &'a [String]) -> Found<'a> {
    if let Some(exact) = names.iter().find(|name| *name == wanted) {
        return Found::One(exact);
    }
    let key = windows_key(wanted);
    let matching: Vec<&str> = names
        .iter()
        .filter(|name| windows_key(name) == key)
        .map(String::as_str)
        .collect();
    match matching.as_slice() {
        [one] => Found::One(one),
        [] => {
            let keys: Vec<String> = names.iter().map(|name| windows_key(name)).collect();
            let known: Vec<&str> = keys.iter().map(String::as_str).collect();
            let closest = nearest_name(&key, &known)
                .and_then(|near| keys.iter().position(|k| k == near))
                .map(|index| names[index].as_str());
            Found::Missing { closest }
        }
        _ => Found::Ambiguous(matching),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn case_form_and_width_are_ignored_as_windows_does() {
        let folder = names(&["kitchen.jpg", "が.png", "media1", "Thumbs.db"]);
        assert_eq!(
            find_like_windows("Kitchen.JPG", &folder),
            Found::One("kitchen.jpg")
        );
        // か + the combining voiced mark, as a Mac stores が.
        assert_eq!(
            find_like_windows("か\u{3099}.png", &folder),
            Found::One("が.png")
        );
        assert_eq!(
            find_like_windows("ｍｅｄｉａ１", &folder),
            Found::One("media1")
        );
    }

    #[test]
    fn an_exact_name_wins_and_two_loose_ones_are_ambiguous() {
        let folder = names(&["Photo.jpg", "photo.JPG"]);
        assert_eq!(
            find_like_windows("photo.JPG", &folder),
            Found::One("photo.JPG")
        );
        assert_eq!(
            find_like_windows("PHOTO.jpg", &folder),
            Found::Ambiguous(vec!["Photo.jpg", "photo.JPG"])
        );
    }

    #[test]
    fn a_missing_name_gets_the_closest_one() {
        let folder = names(&["kitchen.jpeg", "hall.png"]);
        assert_eq!(
            find_like_windows("Kitchen.jpg", &folder),
            Found::Missing {
                closest: Some("kitchen.jpeg")
            }
        );
        assert_eq!(
            find_like_windows("zzzz.mp4", &folder),
            Found::Missing { closest: None }
        );
    }
}
