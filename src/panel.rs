//! Switches the panel on and off with what the machine has: HDMI-CEC (`cec-ctl`), the Wayland
//! compositor's output management (`wlr-randr`), or X11's DPMS (`xset`), tried in that order.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One way of switching the panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// HDMI-CEC through the kernel's CEC device (a Pi's HDMI port): the television itself goes
    /// to standby, as with its remote control.
    Cec,
    /// wlr-output-management (cage 0.1.5 and later, not 0.1.4): the output is switched off.
    WlrRandr,
    /// DPMS on an X11 display.
    Dpms,
}

pub const METHODS: [Method; 3] = [Method::Cec, Method::WlrRandr, Method::Dpms];

/// A command that has not answered by then is taken as failed (a CEC bus can hang).
const COMMAND_LIMIT: Duration = Duration::from_secs(10);

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Cec => "HDMI-CEC (cec-ctl)",
            Method::WlrRandr => "wlr-randr",
            Method::Dpms => "xset dpms",
        }
    }

    fn switch(self, on: bool) -> Result<(), String> {
        match self {
            Method::Cec => {
                let message = if on { "--image-view-on" } else { "--standby" };
                run(&["cec-ctl", "--skip-info", "--playback", "--to", "0", message])
            }
            Method::WlrRandr => {
                if std::env::var_os("WAYLAND_DISPLAY").is_none() {
                    return Err("not on Wayland".into());
                }
                let listing = output(&["wlr-randr"])?;
                let Some(name) = first_output(&listing) else {
                    return Err("wlr-randr lists no output".into());
                };
                let state = if on { "--on" } else { "--off" };
                run(&["wlr-randr", "--output", name, state])
            }
            Method::Dpms => {
                if std::env::var_os("DISPLAY").is_none() {
                    return Err("not on X11".into());
                }
                run(&["xset", "dpms", "force", if on { "on" } else { "off" }])
            }
        }
    }
}

/// The first output's name in `wlr-randr`'s listing: each output starts a line of its own,
/// its properties follow indented.
fn first_output(listing: &str) -> Option<&str> {
    listing
        .lines()
        .find(|line| !line.starts_with(char::is_whitespace) && !line.is_empty())
        .and_then(|line| line.split_whitespace().next())
}

/// Switches the panel with the first method that works, returning it, or why each failed.
pub fn switch(on: bool, methods: &[Method]) -> Result<Method, Vec<String>> {
    let mut failures = Vec::new();
    for &method in methods {
        match method.switch(on) {
            Ok(()) => return Ok(method),
            Err(why) => failures.push(format!("{}: {why}", method.name())),
        }
    }
    Err(failures)
}

fn run(command: &[&str]) -> Result<(), String> {
    output(command).map(drop)
}

fn output(command: &[&str]) -> Result<String, String> {
    let mut child = Command::new(command[0])
        .args(&command[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run {}: {error}", command[0]))?;
    let start = Instant::now();
    loop {
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            break;
        }
        if start.elapsed() > COMMAND_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("no answer in {} s", COMMAND_LIMIT.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let done = child.wait_with_output().map_err(|e| e.to_string())?;
    if done.status.success() {
        Ok(String::from_utf8_lossy(&done.stdout).into_owned())
    } else {
        let said = String::from_utf8_lossy(&done.stderr);
        Err(format!(
            "{} failed ({}): {}",
            command[0],
            done.status,
            said.lines().last().unwrap_or("").trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_listed_output_is_switched() {
        let listing = "HDMI-A-1 \"Dell Inc. DELL P2419H\"\n  Enabled: yes\n  Modes:\n    1920x1080 px\nHDMI-A-2 \"x\"\n";
        assert_eq!(first_output(listing), Some("HDMI-A-1"));
        assert_eq!(first_output(""), None);
    }
}
