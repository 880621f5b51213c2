//! The staff share, for real: `kiosk-player share --enable` sets Samba up in a throwaway copy of
//! this machine (tests/common/sandbox.rs) whose content folder is a folder of this test; Debian's
//! smbd serves it there on 127.0.0.1 at a high port; smbclient copies files into it as Windows
//! Explorer does; and the player, running here under Xvfb, shows them or says beside them why not.
//!
//! Needs root (CI runs as root), samba and smbclient (.ci/run installs them).

mod common;

use common::display::{Running, http_get_bytes, spawn_logging_to, start_xvfb, status, wait_for};
use common::sandbox::Sandbox;
use std::net::TcpStream;
use std::os::unix::fs::MetadataExt;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_kiosk-player");
/// Far from 445, where this machine's own smbd may listen.
const PORT: &str = "44455";
const PASSWORD: &str = "Sakura-2026";

/// smbclient on the share, as `user` (`None`: as a guest), running `commands`.
fn smbclient(user: Option<&str>, commands: &str) -> Output {
    let mut command = Command::new("smbclient");
    command.args(["//127.0.0.1/signage", "-p", PORT, "-c", commands]);
    match user {
        Some(user) => command.args(["-U", user]),
        None => command.arg("-N"),
    };
    command
        .stdin(Stdio::null())
        .output()
        .expect("smbclient (.ci/run installs it)")
}

fn put(user: &str, commands: &str) {
    let output = smbclient(Some(user), commands);
    assert!(
        output.status.success(),
        "smbclient -c '{commands}': {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The playlist ids the player has loaded, with their problems.
fn playlists(address: &str) -> Vec<(String, usize)> {
    status(address)["playlists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["problems"].as_array().unwrap().len(),
            )
        })
        .collect()
}

/// Stops the smbd started in the sandbox, and every process it forked, as the test ends.
struct StopsSamba<'a>(&'a Sandbox);

impl Drop for StopsSamba<'_> {
    fn drop(&mut self) {
        // smbd leads its own process group; once its parent shell is gone, an ended smbd may
        // stay a zombie until init reaps it.
        self.0.sh(
            "pid=$(cat /tmp/smbd.pid); kill -TERM -\"$pid\"
             for _ in $(seq 50); do ps -o stat= -p \"$pid\" | grep -q '^[^Z]' || exit 0; sleep 0.1; done
             kill -KILL -\"$pid\"",
        );
    }
}

#[test]
fn staff_copy_files_through_the_share_the_command_sets_up_and_see_them_on_screen() {
    let content = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        content.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let folder = content.path().join("playlists");
    std::fs::create_dir(&folder).unwrap();
    let files = tempfile::tempdir().unwrap();
    std::fs::copy(BINARY, files.path().join("kiosk-player")).unwrap();
    std::fs::write(
        files.path().join("kiosk.ron"),
        r#"Config(sources: [Folder(path: "/var/lib/kiosk-player/playlists")])"#,
    )
    .unwrap();
    let sandbox = Sandbox::sharing(
        files.path(),
        Some((&folder, "/var/lib/kiosk-player/playlists")),
    );
    // As the package leaves it: the folder is the kiosk user's.
    sandbox.ok(
        "getent passwd kiosk >/dev/null || adduser --system --group --no-create-home kiosk
         chown kiosk: /var/lib/kiosk-player/playlists",
    );
    let kiosk_uid: u32 = sandbox.ok("id -u kiosk").trim().parse().unwrap();

    // Before anything changes: a password is needed.
    let no_password = sandbox.sh(
        "/tmp/debs/kiosk-player share --enable --config /tmp/debs/kiosk.ron --password-stdin </dev/null",
    );
    assert!(!no_password.status.success());
    assert!(!sandbox.exists("/etc/samba/kiosk-player.conf"));

    let enabled = sandbox.ok(&format!(
        "printf '{PASSWORD}\\n' | /tmp/debs/kiosk-player share --enable --config /tmp/debs/kiosk.ron --password-stdin 2>&1"
    ));
    assert!(enabled.contains("\\signage (SMB3, no guests)"), "{enabled}");
    // Once is enough: enabling again changes nothing in smb.conf.
    let smb_conf = sandbox.read("/etc/samba/smb.conf");
    sandbox.ok(&format!(
        "printf '{PASSWORD}\\n' | /tmp/debs/kiosk-player share --enable --config /tmp/debs/kiosk.ron --password-stdin"
    ));
    assert_eq!(sandbox.read("/etc/samba/smb.conf"), smb_conf);
    let parsed = sandbox.ok("testparm --suppress-prompt -s 2>&1");
    for line in [
        "[signage]",
        "path = /var/lib/kiosk-player/playlists",
        "server min protocol = SMB3",
        "valid users = @signage",
        "force user = kiosk",
    ] {
        assert!(
            parsed.lines().any(|l| l.trim() == line),
            "testparm: no {line}\n{parsed}"
        );
    }
    assert!(
        sandbox
            .ok("/tmp/debs/kiosk-player share")
            .contains("Shared as")
    );

    sandbox.ok(&format!(
        "smbd --foreground --debug-stdout --port={PORT} </dev/null >/tmp/smbd.log 2>&1 &
         echo $! > /tmp/smbd.pid"
    ));
    let _samba = StopsSamba(&sandbox);
    wait_for("smbd to listen", Duration::from_secs(20), || {
        TcpStream::connect(format!("127.0.0.1:{PORT}")).ok()
    });
    let staff = format!("staff%{PASSWORD}");

    // No guests, no wrong passwords.
    assert!(!smbclient(None, "ls").status.success(), "a guest got in");
    assert!(!smbclient(Some("staff%wrong"), "ls").status.success());

    // The player, here, on the folder the share writes into.
    let (_x, display) = start_xvfb("640x360");
    let runtime = tempfile::tempdir().unwrap();
    let config = runtime.path().join("kiosk.ron");
    std::fs::write(
        &config,
        format!(
            r#"Config(sources: [Folder(path: "{}")], drop_folders: ["掲示"])"#,
            folder.display()
        ),
    )
    .unwrap();
    // Staff make the drop folder from Explorer (the player, as the kiosk user, would too).
    put(&staff, "mkdir 掲示");
    let log = runtime.path().join("player.log");
    let (_player, address): (Running, String) = spawn_logging_to(
        Command::new(BINARY)
            .args([
                "run",
                "--windowed",
                "--size",
                "640x360",
                "--status-listen",
                "127.0.0.1:0",
            ])
            .arg("--config")
            .arg(&config)
            .env("DISPLAY", &display)
            .env("XDG_RUNTIME_DIR", runtime.path())
            .env_remove("WAYLAND_DISPLAY"),
        &log,
    );

    // A playlist saved by Excel or an old Notepad, in Shift-JIS.
    let local = tempfile::tempdir().unwrap();
    let playlist = r#"Playlist(title: "お知らせ", slides: [Text(title: "食中毒に注意", body: "手を洗いましょう")])"#;
    let (shift_jis, _, _) = encoding_rs::SHIFT_JIS.encode(playlist);
    std::fs::write(local.path().join("news.ron"), &shift_jis).unwrap();
    let mut jpeg = Vec::new();
    image::RgbImage::from_pixel(64, 36, image::Rgb([200, 60, 30]))
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    std::fs::write(local.path().join("poster.jpg"), &jpeg).unwrap();
    std::fs::write(local.path().join("Thumbs.db"), "Windows litter").unwrap();
    let from = |name: &str| local.path().join(name).display().to_string();
    put(
        &staff,
        &format!(
            "put {} お知らせ.ron; put {} 掲示/01-ポスター.jpg",
            from("news.ron"),
            from("poster.jpg"),
        ),
    );
    // Windows' litter is refused (vetoed), and never reaches the folder.
    let litter = smbclient(
        Some(&staff),
        &format!("put {} 掲示/Thumbs.db", from("Thumbs.db")),
    );
    assert!(!litter.status.success());
    wait_for(
        "the playlist and the drop folder",
        Duration::from_secs(20),
        || {
            let loaded = playlists(&address);
            (loaded.contains(&("お知らせ.ron".into(), 0)) && loaded.contains(&("掲示/".into(), 0)))
                .then_some(())
        },
    );
    // The two take turns; the dropped picture fills the screen.
    wait_for(
        "the dropped picture on screen",
        Duration::from_secs(30),
        || {
            (status(&address)["showing"]["playlist"] == "掲示/").then_some(())?;
            let screen = http_get_bytes(&address, "/screenshot").1;
            let screen = image::load_from_memory(&screen).ok()?.to_rgb8();
            let centre = screen.get_pixel(screen.width() / 2, screen.height() / 2).0;
            let near = |a: u8, b: u8| a.abs_diff(b) <= 12;
            (near(centre[0], 200) && near(centre[1], 60) && near(centre[2], 30)).then_some(())
        },
    );
    // Written as the folder's owner, so the player can read them and write notes beside them.
    let poster = folder.join("掲示/01-ポスター.jpg");
    assert_eq!(std::fs::metadata(&poster).unwrap().uid(), kiosk_uid);
    assert!(!folder.join("掲示/Thumbs.db").exists());

    // Overwritten with a mistake: the note is beside it, readable through the share, and the
    // last good version keeps playing.
    std::fs::write(
        local.path().join("broken.ron"),
        "Playlist(title: \"お知らせ\",\n slides: [Text(title: “食中毒に注意”)])",
    )
    .unwrap();
    put(&staff, &format!("put {} お知らせ.ron", from("broken.ron")));
    wait_for("the note", Duration::from_secs(20), || {
        folder.join("お知らせ.ron.error.txt").exists().then_some(())
    });
    let note = local.path().join("note.txt");
    put(
        &staff,
        &format!("get お知らせ.ron.error.txt {}", note.display()),
    );
    let note = std::fs::read_to_string(note).unwrap();
    assert!(
        note.contains("お知らせ.ron:2:23") && note.contains("typographic"),
        "{note}"
    );
    wait_for("the mistake in /status", Duration::from_secs(5), || {
        playlists(&address)
            .contains(&("お知らせ.ron".into(), 1))
            .then_some(())
    });

    // Fixed, then renamed, then deleted, as staff do in Explorer.
    put(
        &staff,
        &format!(
            "put {} お知らせ.ron; rename お知らせ.ron 食品.ron",
            from("news.ron")
        ),
    );
    wait_for("the renamed playlist", Duration::from_secs(20), || {
        let loaded = playlists(&address);
        (loaded.contains(&("食品.ron".into(), 0)) && !loaded.iter().any(|p| p.0 == "お知らせ.ron"))
            .then_some(())
    });
    assert!(!folder.join("お知らせ.ron.error.txt").exists());
    put(&staff, "del 食品.ron; del 掲示/01-ポスター.jpg");
    wait_for("nothing left to play", Duration::from_secs(20), || {
        playlists(&address).is_empty().then_some(())
    });

    // A large video copied slowly over the network, with the playlist that shows it arriving
    // first: neither is read while the copy grows, and both play once it is whole.
    let clip = local.path().join("clip.mp4");
    common::video::encode(&format!(
        "videotestsrc pattern=snow num-buffers=100 ! video/x-raw,width=640,height=360,framerate=25/1 ! {} ! filesink location={}",
        common::video::H264_MP4,
        clip.display()
    ));
    let clip = std::fs::read(clip).unwrap();
    std::fs::write(
        local.path().join("video.ron"),
        r#"Playlist(title: "動画", slides: [Video(file: "動画/clip.mp4")])"#,
    )
    .unwrap();
    put(&staff, "mkdir 動画");
    let mut copy = Command::new("smbclient")
        .args(["//127.0.0.1/signage", "-p", PORT, "-U", &staff])
        .args(["-c", "put /dev/stdin 動画/clip.mp4"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = copy.stdin.take().unwrap();
    let slices: Vec<&[u8]> = clip.chunks(clip.len() / 20 + 1).collect();
    let copied = folder.join("動画/clip.mp4");
    for (index, slice) in slices.iter().enumerate() {
        std::io::Write::write_all(&mut stdin, slice).unwrap();
        std::thread::sleep(Duration::from_millis(150));
        if index == 2 {
            put(&staff, &format!("put {} 動画.ron", from("video.ron")));
        }
        if index > 2 {
            let size = std::fs::metadata(&copied).map_or(0, |m| m.len());
            assert!(size < clip.len() as u64);
            assert!(
                !playlists(&address).iter().any(|p| p.0 == "動画.ron"),
                "a playlist was read while its video was half copied ({size} of {} bytes)",
                clip.len()
            );
            assert!(!folder.join("動画.ron.error.txt").exists());
        }
    }
    drop(stdin);
    assert!(copy.wait().unwrap().success());
    assert_eq!(std::fs::read(&copied).unwrap(), clip);
    wait_for("the video's playlist", Duration::from_secs(20), || {
        playlists(&address)
            .contains(&("動画.ron".into(), 0))
            .then_some(())
    });

    // Stopping the share leaves Samba's config as it was.
    sandbox.ok("/tmp/debs/kiosk-player share --disable");
    assert!(!sandbox.exists("/etc/samba/kiosk-player.conf"));
    assert!(!sandbox.read("/etc/samba/smb.conf").contains("kiosk-player"));
}
