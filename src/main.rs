//! The `kiosk-player` command; everything lives in the library.

fn main() -> std::process::ExitCode {
    kiosk_player::cli::main()
}
