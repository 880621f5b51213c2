//! The board's health, as the kernel reports it: which readings (temperature, throttling,
//! under-voltage, file systems read-only or with errors, space left) are problems a person must
//! know of. Boards in closed cabinets overheat, cheap power supplies sag, and SD cards fail
//! slowly: the kernel remounts a failing card read-only and counts ext4's errors.

use serde::Serialize;
use std::collections::BTreeSet;

/// A Raspberry Pi starts slowing its CPU at 80 °C (85 °C is its hard limit); a NUC near there.
pub const HOT_CELSIUS: f32 = 80.0;
/// Less free space than this, or than `LOW_SPACE_SHARE` of the file system, is a problem: a
/// sync or a play log will soon fail.
pub const LOW_SPACE_BYTES: u64 = 256 * 1024 * 1024;
pub const LOW_SPACE_SHARE: f64 = 0.02;

/// What was read; `None` where this machine has no such reading (a VM, a container).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BoardReadings {
    /// The hottest thermal zone.
    pub temperature_celsius: Option<f32>,
    /// A CPU cooling device is slowing the processor now.
    pub throttled: Option<bool>,
    /// The Raspberry Pi's under-voltage alarm (hwmon `rpi_volt`).
    pub under_voltage: Option<bool>,
    pub file_systems: Vec<FileSystemReading>,
}

/// The file system a folder the player needs is on.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FileSystemReading {
    /// The folder asked about (`/`, the content folder, the cache).
    pub folder: String,
    /// Where its file system is mounted, if the mount table says.
    pub mount: Option<String>,
    pub read_only: bool,
    /// ext4's count of errors found on it since it was made.
    pub errors: Option<u64>,
    pub free_bytes: Option<u64>,
    pub total_bytes: Option<u64>,
}

/// A problem with the board, named by what it concerns so that it is logged once as it starts
/// and once as it ends.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BoardProblem {
    Hot,
    Throttled,
    UnderVoltage,
    ReadOnly(String),
    FileSystemErrors(String),
    LowSpace(String),
}

impl BoardProblem {
    /// What staff and administrators read: Japanese, then English.
    pub fn describe(&self) -> (String, String) {
        match self {
            BoardProblem::Hot => (
                format!("本体が高温です（{HOT_CELSIUS}℃以上）。設置場所の通気を確認してください。"),
                format!("the board is hot ({HOT_CELSIUS} °C or more): check the cabinet's airflow"),
            ),
            BoardProblem::Throttled => (
                "CPUが熱のため速度を落としています。".into(),
                "the CPU is slowed down to cool it".into(),
            ),
            BoardProblem::UnderVoltage => (
                "電源の電圧が不足しています。純正の電源アダプターを使ってください。".into(),
                "the power supply's voltage is too low: use the board's own power supply".into(),
            ),
            BoardProblem::ReadOnly(folder) => (
                format!(
                    "{folder} のディスクが読み取り専用になっています（SDカードの故障の可能性）。"
                ),
                format!(
                    "the file system of {folder} is read-only (a failing SD card, most likely)"
                ),
            ),
            BoardProblem::FileSystemErrors(folder) => (
                format!("{folder} のディスクにエラーが記録されています。"),
                format!("the file system of {folder} has recorded errors"),
            ),
            BoardProblem::LowSpace(folder) => (
                format!("{folder} のディスクの空きが少なくなっています。"),
                format!("the file system of {folder} is nearly full"),
            ),
        }
    }
}

/// The problems `readings` show.
pub fn problems(readings: &BoardReadings) -> BTreeSet<BoardProblem> {
    let mut problems = BTreeSet::new();
    if readings
        .temperature_celsius
        .is_some_and(|t| t >= HOT_CELSIUS)
    {
        problems.insert(BoardProblem::Hot);
    }
    if readings.throttled == Some(true) {
        problems.insert(BoardProblem::Throttled);
    }
    if readings.under_voltage == Some(true) {
        problems.insert(BoardProblem::UnderVoltage);
    }
    for fs in &readings.file_systems {
        if fs.read_only {
            problems.insert(BoardProblem::ReadOnly(fs.folder.clone()));
        }
        if fs.errors.is_some_and(|e| e > 0) {
            problems.insert(BoardProblem::FileSystemErrors(fs.folder.clone()));
        }
        if let (Some(free), Some(total)) = (fs.free_bytes, fs.total_bytes)
            && total > 0
            && (free < LOW_SPACE_BYTES.min(total / 2)
                || (free as f64) < total as f64 * LOW_SPACE_SHARE)
        {
            problems.insert(BoardProblem::LowSpace(fs.folder.clone()));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk(folder: &str, free_mb: u64, total_mb: u64) -> FileSystemReading {
        FileSystemReading {
            folder: folder.into(),
            free_bytes: Some(free_mb << 20),
            total_bytes: Some(total_mb << 20),
            ..FileSystemReading::default()
        }
    }

    #[test]
    fn a_healthy_board_or_one_without_readings_has_no_problem() {
        assert!(problems(&BoardReadings::default()).is_empty());
        let healthy = BoardReadings {
            temperature_celsius: Some(55.0),
            throttled: Some(false),
            under_voltage: Some(false),
            file_systems: vec![disk("/", 20_000, 30_000)],
        };
        assert!(problems(&healthy).is_empty());
    }

    #[test]
    fn heat_power_and_failing_disks_are_each_a_problem() {
        let mut cache = disk("/var/lib/kiosk-player/cache", 100, 30_000);
        cache.errors = Some(3);
        let mut content = disk("/srv/content", 20_000, 30_000);
        content.read_only = true;
        let readings = BoardReadings {
            temperature_celsius: Some(82.5),
            throttled: Some(true),
            under_voltage: Some(true),
            file_systems: vec![cache, content],
        };
        let cache = "/var/lib/kiosk-player/cache".to_string();
        assert_eq!(
            problems(&readings),
            BTreeSet::from([
                BoardProblem::Hot,
                BoardProblem::Throttled,
                BoardProblem::UnderVoltage,
                BoardProblem::ReadOnly("/srv/content".into()),
                BoardProblem::FileSystemErrors(cache.clone()),
                BoardProblem::LowSpace(cache),
            ])
        );
        assert!(
            BoardProblem::UnderVoltage
                .describe()
                .1
                .contains("power supply")
        );
    }

    #[test]
    fn a_small_disk_is_low_only_near_full() {
        // A 300 MiB file system with 200 MiB free is not "nearly full" for want of 256 MiB.
        assert!(
            problems(&BoardReadings {
                file_systems: vec![disk("/boot", 200, 300)],
                ..BoardReadings::default()
            })
            .is_empty()
        );
        assert_eq!(
            problems(&BoardReadings {
                file_systems: vec![disk("/", 400, 64_000)],
                ..BoardReadings::default()
            })
            .len(),
            1
        );
    }
}
