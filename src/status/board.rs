//! Reads the board's health from the kernel's own files (`core::board_health` says what is a
//! problem), every 30 s on a thread of its own, logging each problem once as it starts and once
//! as it ends. Every file may be missing (a VM, a container, another board): then that reading
//! is absent, never an error.
//!
//! Read under a root folder (`/` on a player) so that tests can give a tree of their own.

use crate::core::board_health::{BoardProblem, BoardReadings, FileSystemReading, problems};
use std::collections::BTreeSet;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the board is looked at.
pub const LOOK_EVERY: Duration = Duration::from_secs(30);

/// The latest readings and their problems, for `/status`, `/metrics` and the staff page.
pub type SharedBoard = Arc<Mutex<(BoardReadings, BTreeSet<BoardProblem>)>>;

/// What to read: the kernel's files under `root`, and the file systems of `folders`.
#[derive(Clone, Debug)]
pub struct BoardReader {
    pub root: PathBuf,
    pub folders: Vec<PathBuf>,
}

impl BoardReader {
    pub fn read(&self) -> BoardReadings {
        BoardReadings {
            temperature_celsius: self.temperature(),
            throttled: self.throttled(),
            under_voltage: self.under_voltage(),
            // A cache not made yet has no file system to report.
            file_systems: (self.folders.iter())
                .filter(|folder| folder.exists())
                .map(|folder| self.file_system(folder))
                .collect(),
        }
    }

    /// The files under `root/<relative>` whose names start with `prefix`, in name order.
    fn entries(&self, relative: &str, prefix: &str) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.root.join(relative)) else {
            return Vec::new();
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
            .map(|e| e.path())
            .collect();
        found.sort();
        found
    }

    /// The hottest thermal zone, in °C (the kernel says millidegrees).
    fn temperature(&self) -> Option<f32> {
        self.entries("sys/class/thermal", "thermal_zone")
            .iter()
            .filter_map(|zone| read_number(&zone.join("temp")))
            .map(|milli| milli as f32 / 1000.0)
            .reduce(f32::max)
    }

    /// Whether a CPU cooling device (the cpufreq one of a Pi, `Processor` on a PC) is slowing
    /// the CPU now.
    fn throttled(&self) -> Option<bool> {
        let states: Vec<i64> = self
            .entries("sys/class/thermal", "cooling_device")
            .iter()
            .filter(|device| {
                read_text(&device.join("type"))
                    .is_some_and(|kind| kind.starts_with("cpufreq") || kind == "Processor")
            })
            .filter_map(|device| read_number(&device.join("cur_state")))
            .collect();
        (!states.is_empty()).then(|| states.iter().any(|&state| state > 0))
    }

    /// The Raspberry Pi's firmware under-voltage alarm, through its `rpi_volt` hwmon device.
    fn under_voltage(&self) -> Option<bool> {
        self.entries("sys/class/hwmon", "hwmon")
            .iter()
            .find(|device| read_text(&device.join("name")).as_deref() == Some("rpi_volt"))
            .and_then(|device| read_number(&device.join("in0_lcrit_alarm")))
            .map(|alarm| alarm != 0)
    }

    /// The mount `folder` is on (the longest mount point above it), read-only or not, its ext4
    /// errors and its free space.
    fn file_system(&self, folder: &Path) -> FileSystemReading {
        let real = folder
            .canonicalize()
            .unwrap_or_else(|_| folder.to_path_buf());
        let mounts = read_text(&self.root.join("proc/self/mounts"))
            .or_else(|| read_text(&self.root.join("proc/mounts")))
            .unwrap_or_default();
        let mount = mounts
            .lines()
            .filter_map(|line| {
                let mut fields = line.split_whitespace();
                let (source, point, kind, options) = (
                    fields.next()?,
                    fields.next()?,
                    fields.next()?,
                    fields.next()?,
                );
                let point = unescape_mount(point);
                real.starts_with(&point).then(|| {
                    (
                        source.to_string(),
                        point,
                        kind.to_string(),
                        options.to_string(),
                    )
                })
            })
            // The last of the longest: a later mount over the same point hides the earlier.
            .fold(
                None::<(String, String, String, String)>,
                |best, found| match best {
                    Some(best) if best.1.len() > found.1.len() => Some(best),
                    _ => Some(found),
                },
            );
        let (free_bytes, total_bytes) = space(&real).unzip();
        let mut reading = FileSystemReading {
            folder: folder.display().to_string(),
            free_bytes,
            total_bytes,
            ..FileSystemReading::default()
        };
        if let Some((source, point, kind, options)) = mount {
            reading.read_only = options.split(',').any(|o| o == "ro");
            if kind == "ext4"
                && let Some(device) = Path::new(&source).file_name()
            {
                let count = self
                    .root
                    .join("sys/fs/ext4")
                    .join(device)
                    .join("errors_count");
                reading.errors = read_number(&count).map(|n| n.max(0) as u64);
            }
            reading.mount = Some(point);
        }
        reading
    }
}

/// Looks at the board now and every [`LOOK_EVERY`], into `shared`, logging what changed.
pub fn watch_board(reader: BoardReader, shared: SharedBoard) {
    let spawned = std::thread::Builder::new()
        .name("board health".into())
        .spawn(move || {
            let mut known = BTreeSet::new();
            loop {
                let readings = reader.read();
                let now = problems(&readings);
                for started in now.difference(&known) {
                    tracing::warn!("board: {}", started.describe().1);
                }
                for ended in known.difference(&now) {
                    tracing::info!("board: no longer so: {}", ended.describe().1);
                }
                known = now.clone();
                if let Ok(mut shared) = shared.lock() {
                    *shared = (readings, now);
                }
                std::thread::sleep(LOOK_EVERY);
            }
        });
    if let Err(error) = spawned {
        tracing::warn!("the board's health is not watched: {error}");
    }
}

fn read_text(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|text| text.trim().to_string())
}

fn read_number(path: &Path) -> Option<i64> {
    read_text(path)?.parse().ok()
}

/// The mount table writes a space in a mount point as `\040` (and tab, newline, backslash alike).
fn unescape_mount(point: &str) -> String {
    point
        .replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

/// Free (for an unprivileged user) and total bytes of the file system `folder` is on.
fn space(folder: &Path) -> Option<(u64, u64)> {
    let path = CString::new(folder.as_os_str().as_bytes()).ok()?;
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a NUL-terminated string and `stats` a statvfs to fill.
    if unsafe { libc::statvfs(path.as_ptr(), &mut stats) } != 0 {
        return None;
    }
    let block = stats.f_frsize as u64;
    Some((stats.f_bavail as u64 * block, stats.f_blocks as u64 * block))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(root: &Path, relative: &str, text: &str) {
        let path = root.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn a_hot_throttled_pi_on_a_failing_card_is_read_from_its_sysfs() {
        let root = tempfile::tempdir().unwrap();
        let content = tempfile::tempdir().unwrap();
        let r = root.path();
        write(r, "sys/class/thermal/thermal_zone0/temp", "83450\n");
        write(r, "sys/class/thermal/thermal_zone1/temp", "41000\n");
        write(
            r,
            "sys/class/thermal/cooling_device0/type",
            "cpufreq-cpu0\n",
        );
        write(r, "sys/class/thermal/cooling_device0/cur_state", "2\n");
        write(r, "sys/class/thermal/cooling_device1/type", "fan\n");
        write(r, "sys/class/thermal/cooling_device1/cur_state", "0\n");
        write(r, "sys/class/hwmon/hwmon0/name", "cpu_thermal\n");
        write(r, "sys/class/hwmon/hwmon1/name", "rpi_volt\n");
        write(r, "sys/class/hwmon/hwmon1/in0_lcrit_alarm", "1\n");
        let point = content.path().display().to_string().replace(' ', "\\040");
        write(
            r,
            "proc/self/mounts",
            &format!(
                "/dev/mmcblk0p2 / ext4 rw,noatime 0 0\n/dev/sda1 {point} ext4 ro,relatime 0 0\n"
            ),
        );
        write(r, "sys/fs/ext4/sda1/errors_count", "3\n");
        write(r, "sys/fs/ext4/mmcblk0p2/errors_count", "0\n");
        let reader = BoardReader {
            root: r.to_path_buf(),
            folders: vec!["/".into(), content.path().to_path_buf()],
        };
        let readings = reader.read();
        assert_eq!(readings.temperature_celsius, Some(83.45));
        assert_eq!(readings.throttled, Some(true));
        assert_eq!(readings.under_voltage, Some(true));
        let [system, card] = &readings.file_systems[..] else {
            panic!("{readings:?}")
        };
        assert_eq!(
            (system.mount.as_deref(), system.read_only, system.errors),
            (Some("/"), false, Some(0))
        );
        assert_eq!((card.read_only, card.errors), (true, Some(3)));
        assert!(card.free_bytes.is_some() && card.total_bytes.is_some());
        let found = problems(&readings);
        assert!(found.contains(&BoardProblem::Hot) && found.contains(&BoardProblem::UnderVoltage));
        assert!(found.contains(&BoardProblem::ReadOnly(
            content.path().display().to_string()
        )));
    }

    #[test]
    fn a_machine_without_those_files_has_no_readings_and_no_error() {
        let root = tempfile::tempdir().unwrap();
        let reader = BoardReader {
            root: root.path().to_path_buf(),
            folders: vec!["/no/such/folder".into()],
        };
        let readings = reader.read();
        assert_eq!(
            (
                readings.temperature_celsius,
                readings.throttled,
                readings.under_voltage
            ),
            (None, None, None)
        );
        assert!(readings.file_systems.is_empty());
        assert!(problems(&readings).is_empty());
    }
}
