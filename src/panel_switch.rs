//! Switches the panel on and off with what the machine has: HDMI-CEC (`cec-ctl`), the Wayland
//! compositor's output management (`wlr-randr`), or X11's DPMS (`xset`), tried in that order.

use std::process::{Command, Stdio};
use std::time::Duration;

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
                // Under a Wayland compositor DISPLAY names its Xwayland, which has no DPMS
                // (and xset still exits 0 there).
                if std::env::var_os("DISPLAY").is_none()
                    || std::env::var_os("WAYLAND_DISPLAY").is_some()
                {
                    return Err("not on an X11 session".into());
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
    let child = Command::new(command[0])
        .args(&command[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run {}: {error}", command[0]))?;
    let pid = child.id();
    // Waited for on a thread of its own, which also drains its output as it comes.
    let (sender, done) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    let done = match done.recv_timeout(COMMAND_LIMIT) {
        Ok(done) => done.map_err(|e| e.to_string())?,
        Err(_) => {
            // SAFETY: signalling the child started above, not yet reaped (its waiting thread
            // has not returned).
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            return Err(format!("no answer in {} s", COMMAND_LIMIT.as_secs()));
        }
    };
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
