//! The Samba share through which staff on the office's Windows PCs drop files into the content
//! folder: the share `kiosk-player share --enable` writes, and the block that makes smb.conf
//! include it.

use std::path::Path;

/// The share's name: Windows maps `\\<screen>\signage`.
pub const SHARE_NAME: &str = "signage";
/// The group whose members may use the share.
pub const STAFF_GROUP: &str = "signage";
/// The file the share lives in, included by smb.conf.
pub const SHARE_FILE: &str = "/etc/samba/kiosk-player.conf";

/// The first line of the block added to smb.conf; the block ends with its `include` line.
const BLOCK_MARK: &str =
    "# The signage player's shared folder; `kiosk-player share --disable` removes this block.";

/// What Windows and macOS leave in every folder they open: never stored, and deleted with their
/// folder.
const LITTER: &str = "/Thumbs.db/desktop.ini/.DS_Store/._*/";

/// The share file for `folder`, whose files are written as `owner` (the user and group that own
/// the folder, so the player can read them and write notes beside them).
pub fn share_file(folder: &Path, (owner, group): (&str, &str)) -> Result<String, String> {
    let path = folder
        .to_str()
        .filter(|p| p.starts_with('/') && !p.contains(['\n', '\r']))
        .ok_or_else(|| {
            format!(
                "{} cannot be shared: give an absolute path",
                folder.display()
            )
        })?;
    Ok(format!(
        "# Written by `kiosk-player share --enable`; replaced when it runs again.\n\
         # Windows PCs speak SMB3 since Windows 8: nothing older is answered.\n\
         \tserver min protocol = SMB3\n\
         \n\
         [{SHARE_NAME}]\n\
         \tcomment = Signage: playlists, pictures, PDF and videos for the screen\n\
         \tpath = {path}\n\
         \tvalid users = @{STAFF_GROUP}\n\
         \tguest ok = no\n\
         \tread only = no\n\
         \tforce user = {owner}\n\
         \tforce group = {group}\n\
         \tcreate mask = 0664\n\
         \tdirectory mask = 0775\n\
         \tveto files = {LITTER}\n\
         \tdelete veto files = yes\n"
    ))
}

/// smb.conf with the block that includes the share file, or `None` when it has it already. The
/// block opens `[global]` again, wherever the file ends.
pub fn with_share(smb_conf: &str) -> Option<String> {
    if smb_conf.lines().any(|l| l.trim() == BLOCK_MARK) {
        return None;
    }
    let mut text = smb_conf.to_string();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!(
        "\n{BLOCK_MARK}\n[global]\n\tinclude = {SHARE_FILE}\n"
    ));
    Some(text)
}

/// smb.conf without the block [`with_share`] added (and the blank line before it).
pub fn without_share(smb_conf: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let mut lines = smb_conf.lines();
    while let Some(line) = lines.next() {
        if line.trim() == BLOCK_MARK {
            // `[global]` and the include line.
            lines.next();
            lines.next();
            if kept.last().is_some_and(|l| l.trim().is_empty()) {
                kept.pop();
            }
        } else {
            kept.push(line);
        }
    }
    let mut text = kept.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_is_smb3_for_the_staff_group_only_and_writes_as_the_folders_owner() {
        let text = share_file(
            Path::new("/var/lib/kiosk-player/playlists"),
            ("kiosk", "kiosk"),
        )
        .unwrap();
        for line in [
            "server min protocol = SMB3",
            "[signage]",
            "path = /var/lib/kiosk-player/playlists",
            "valid users = @signage",
            "guest ok = no",
            "read only = no",
            "force user = kiosk",
            "veto files = /Thumbs.db/desktop.ini/.DS_Store/._*/",
        ] {
            assert!(text.lines().any(|l| l.trim() == line), "{line} in\n{text}");
        }
        assert!(share_file(Path::new("playlists"), ("kiosk", "kiosk")).is_err());
        assert!(share_file(Path::new("/srv/a\n[evil]"), ("kiosk", "kiosk")).is_err());
    }

    #[test]
    fn the_include_block_is_added_once_and_removed_leaving_the_rest_as_it_was() {
        let original =
            "[global]\n   workgroup = WORKGROUP\n\n[print$]\n   path = /var/lib/samba/printers";
        let with = with_share(original).unwrap();
        assert!(with.starts_with(original));
        assert!(with.ends_with("[global]\n\tinclude = /etc/samba/kiosk-player.conf\n"));
        assert_eq!(with_share(&with), None);
        assert_eq!(without_share(&with), format!("{original}\n"));
        assert_eq!(
            without_share(&without_share(&with)),
            format!("{original}\n")
        );
    }
}
