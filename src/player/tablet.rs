//! A touch quiz on a tablet. The slideshow is the attract loop, under a "touch to start" band;
//! touches and clicks (Bevy picking's pointers) become taps for the quiz machine; every round,
//! finished or abandoned, is appended to the results log.

use super::compositor::{Overlay, ScreenLayers};
use super::screen::{Canvas, Clock, NextFrame};
use super::slideshow::{SlideTimer, into_image};
use crate::compose::Composer;
use crate::compose::quiz::Screenful;
use crate::content::{load_quiz, playlist_folder};
use crate::core::quiz::{Language, Quiz, QuizMachine, RoundRecord, Screen};
use crate::core::quiz_report::QuizResult;
use crate::core::staff_exit::{PinOutcome, PinPad};
use crate::core::touch::{Action, Button, Gesture, PointerTracker, hit};
use crate::rotating_log::{RotatingLog, TroubleChange, WriteTrouble};
use bevy::picking::pointer::{PointerAction, PointerButton, PointerId, PointerInput};
use bevy::prelude::*;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub struct TabletPlugin {
    pub quiz: Quiz,
    /// The quiz file, read again between rounds when it changes.
    pub quiz_path: PathBuf,
    pub results_log: Option<PathBuf>,
    pub staff_pin: Option<String>,
}

/// The quiz on this tablet and what is on its screen.
#[derive(Resource)]
pub struct Tablet {
    pub machine: QuizMachine,
    /// The quiz's name in the results log: its file name without `.ron`.
    pub quiz_name: String,
    quiz_path: PathBuf,
    quiz_modified: Option<SystemTime>,
    pin_pad: Option<PinPad>,
    staff_pin: Option<String>,
    pointers: PointerTracker,
    /// The touch targets on screen, in window pixels.
    pub buttons: Vec<Button>,
    results: Option<RotatingLog>,
    /// When the round on screen began: its lines in the results log carry it.
    round_started: Option<chrono::DateTime<chrono::FixedOffset>>,
    results_trouble: WriteTrouble,
}

impl Tablet {
    fn on_attract_loop(&self) -> bool {
        self.machine.screen() == &Screen::Attract && self.pin_pad.is_none()
    }

    /// The screen visitors see, for status and tests: the PIN pad covers the quiz.
    pub fn screen_name(&self) -> &'static str {
        if self.pin_pad.is_some() {
            return "staff-pin";
        }
        match self.machine.screen() {
            Screen::Attract => "attract",
            Screen::Asking { .. } => "question",
            Screen::Feedback { .. } => "feedback",
            Screen::Result { .. } => "result",
        }
    }
}

/// Results logs rotate at this size; a busy exhibition day writes well under 1 MB.
const RESULTS_LOG_BYTES: u64 = 10 * 1024 * 1024;

/// What the quiz layer shows; drawn again only when this changes.
#[derive(Clone, PartialEq)]
struct Shown {
    screen: Screen,
    language: Language,
    pin_typed: Option<usize>,
    canvas: UVec2,
}

impl Plugin for TabletPlugin {
    fn build(&self, app: &mut App) {
        let results = self.results_log.as_deref().and_then(|path| {
            RotatingLog::open(path, RESULTS_LOG_BYTES, 3)
                .inspect_err(|e| warn!("cannot write quiz results to {}: {e}", path.display()))
                .ok()
        });
        let seed = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        app.add_message::<PointerInput>()
            .init_resource::<NextFrame>()
            .init_resource::<ScreenLayers>()
            .insert_resource(Tablet {
                machine: QuizMachine::new(self.quiz.clone(), seed),
                quiz_name: self
                    .quiz_path
                    .file_stem()
                    .map_or("quiz".into(), |s| s.to_string_lossy().into_owned()),
                quiz_modified: modified(&self.quiz_path),
                quiz_path: self.quiz_path.clone(),
                pin_pad: None,
                staff_pin: self.staff_pin.clone(),
                pointers: PointerTracker::default(),
                buttons: Vec::new(),
                results,
                round_started: None,
                results_trouble: WriteTrouble::default(),
            })
            // The attract loop's slides wait while a visitor plays.
            .configure_sets(Update, SlideTimer.run_if(attract_showing))
            .add_systems(Update, (read_pointers, tick, show).chain());
    }
}

fn attract_showing(tablet: Res<Tablet>) -> bool {
    tablet.on_attract_loop()
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn read_pointers(
    mut inputs: MessageReader<PointerInput>,
    mut tablet: ResMut<Tablet>,
    canvas: Res<Canvas>,
    clock: Res<Clock>,
    mut exit: MessageWriter<AppExit>,
) {
    let now = clock.seconds();
    for input in inputs.read() {
        let id = match input.pointer_id {
            PointerId::Touch(id) => id,
            PointerId::Mouse => u64::MAX,
            PointerId::Custom(_) => continue,
        };
        // Pointers arrive in the window's logical pixels; screens are laid out on the canvas.
        let at = canvas.from_window(input.location.position);
        let at = (at.x, at.y);
        let gesture = match input.action {
            PointerAction::Press(PointerButton::Primary) => {
                tablet.pointers.press(id, at, now);
                None
            }
            PointerAction::Release(PointerButton::Primary) => tablet.pointers.release(id, at, now),
            PointerAction::Cancel => {
                tablet.pointers.cancel(id);
                None
            }
            _ => None,
        };
        if let Some(gesture) = gesture
            && on_gesture(&mut tablet, gesture, canvas.pixels, now)
        {
            exit.write(AppExit::Success);
        }
    }
}

/// Acts on a finished gesture; returns true when staff asked to close the player.
fn on_gesture(tablet: &mut Tablet, gesture: Gesture, screen: UVec2, now: f64) -> bool {
    let at = match gesture {
        Gesture::LongPress(at) if tablet.staff_pin.is_some() && in_staff_corner(at, screen) => {
            if tablet.pin_pad.is_none() {
                info!("staff PIN pad opened");
                tablet.pin_pad = Some(PinPad::open(now));
            }
            return false;
        }
        // Children hold buttons down; a long press anywhere else is just a tap.
        Gesture::Tap(at) | Gesture::LongPress(at) => at,
    };
    match hit(&tablet.buttons, at) {
        Some(Action::Quiz(tap)) if tablet.pin_pad.is_none() => {
            if tablet.machine.screen() == &Screen::Attract {
                reload_changed_quiz(tablet);
                tablet.round_started = Some(chrono::Local::now().fixed_offset());
            }
            let answers = tablet.machine.answers_given();
            if let Some(round) = tablet.machine.tap(tap, now) {
                write_result(tablet, &round);
            } else if tablet.machine.answers_given() > answers
                && let Some(round) = tablet.machine.round_so_far(now)
            {
                // Each answer reaches the disk as it is given: a power cut loses none.
                write_line(tablet, &round, true);
            }
            false
        }
        Some(Action::Pin(key)) => {
            let (Some(pad), Some(pin)) = (tablet.pin_pad.as_mut(), tablet.staff_pin.as_deref())
            else {
                return false;
            };
            match pad.key(key, pin, now) {
                PinOutcome::Open => false,
                PinOutcome::Closed => {
                    info!("staff PIN pad closed");
                    tablet.pin_pad = None;
                    false
                }
                PinOutcome::Exit => {
                    warn!("staff exit: closing the player");
                    leave_staff_exit_marker();
                    true
                }
            }
        }
        _ => false,
    }
}

/// The top-left square, the size of a touch target, where staff hold to reach the PIN pad.
fn in_staff_corner((x, y): (f32, f32), screen: UVec2) -> bool {
    let side = crate::compose::quiz::TARGET * screen.min_element() as f32 / 100.0;
    x < side && y < side
}

/// Tells the service manager this exit was on purpose, so it does not restart the player (see
/// deploy/kiosk-player.service); systemd names the runtime folder in `RUNTIME_DIRECTORY`.
fn leave_staff_exit_marker() {
    if let Some(folder) = std::env::var_os("RUNTIME_DIRECTORY") {
        let marker = Path::new(&folder).join("staff-exit");
        if let Err(error) = std::fs::write(&marker, b"") {
            warn!("cannot write {}: {error}", marker.display());
        }
    }
}

/// Picks up an edited quiz file between rounds; a broken edit keeps the last good quiz.
fn reload_changed_quiz(tablet: &mut Tablet) {
    let now_modified = modified(&tablet.quiz_path);
    if now_modified == tablet.quiz_modified {
        return;
    }
    tablet.quiz_modified = now_modified;
    match load_quiz(&tablet.quiz_path) {
        Ok(quiz) => {
            info!("loaded the changed quiz {}", tablet.quiz_path.display());
            tablet.machine.replace_quiz(quiz);
        }
        Err(problems) => {
            warn!(
                "{} has {} problem(s); the last good version stays",
                tablet.quiz_path.display(),
                problems.len()
            );
            for problem in &problems {
                warn!("{problem}");
            }
        }
    }
}

fn write_result(tablet: &mut Tablet, round: &RoundRecord) {
    info!(
        "quiz round {}: {} of {} correct",
        if round.finished {
            "finished"
        } else {
            "abandoned"
        },
        round.score,
        round.questions
    );
    write_line(tablet, round, false);
    tablet.round_started = None;
}

/// Appends a round's line to the results log and syncs it: the round so far while
/// `in_progress`, else as it ended.
fn write_line(tablet: &mut Tablet, round: &RoundRecord, in_progress: bool) {
    let now = chrono::Local::now().fixed_offset();
    let mut result = QuizResult::new(now, &tablet.quiz_name, round);
    if let Some(started) = tablet.round_started {
        result = result.of_round(started, in_progress);
    }
    let Some(log) = tablet.results.as_mut() else {
        return;
    };
    let written = serde_json::to_string(&result)
        .map_err(std::io::Error::other)
        .and_then(|line| log.append_line(&line))
        // A result is worth a disk write: it must survive the tablet being unplugged.
        .and_then(|()| log.sync());
    match tablet.results_trouble.note(&written) {
        Some(TroubleChange::Started(error)) => {
            warn!("cannot write the quiz results: {error}; the quiz goes on without them")
        }
        Some(TroubleChange::Over) => info!("the quiz results are written again"),
        None => {}
    }
}

fn tick(mut tablet: ResMut<Tablet>, clock: Res<Clock>, mut next_frame: ResMut<NextFrame>) {
    let now = clock.seconds();
    if let Some(round) = tablet.machine.tick(now) {
        write_result(&mut tablet, &round);
    }
    if tablet
        .pin_pad
        .as_ref()
        .is_some_and(|pad| pad.tick(now) == PinOutcome::Closed)
    {
        tablet.pin_pad = None;
    }
    // During a round, wake every second so a visitor walking away is noticed; on the attract
    // loop the slideshow sets the wake-ups.
    if !tablet.on_attract_loop() {
        next_frame.within(&clock, 1.0);
    }
}

fn show(
    mut tablet: ResMut<Tablet>,
    canvas: Res<Canvas>,
    mut images: ResMut<Assets<Image>>,
    mut layers: ResMut<ScreenLayers>,
    mut composer: bevy::prelude::Local<Composer>,
    mut shown: bevy::prelude::Local<Option<Shown>>,
) {
    let now = Shown {
        screen: tablet.machine.screen().clone(),
        language: tablet.machine.language(),
        pin_typed: tablet.pin_pad.as_ref().map(PinPad::typed),
        canvas: canvas.pixels,
    };
    if shown.as_ref() == Some(&now) {
        return;
    }
    let (width, height) = (canvas.pixels.x, canvas.pixels.y);
    let folder = playlist_folder(&tablet.quiz_path).to_path_buf();
    // Screens are drawn here, on the main thread: a tap must change the screen in this frame.
    let screenful: Screenful = match (&tablet.pin_pad, &now.screen) {
        (Some(pad), _) => composer.pin_pad(pad.typed(), width, height),
        (None, Screen::Attract) => {
            composer.attract_band(tablet.machine.quiz(), now.language, width, height)
        }
        (None, _) => composer.quiz_screen(&tablet.machine, &folder, width, height),
    };
    for warning in &screenful.picture.warnings {
        warn!("quiz screen: {warning}");
    }
    let screen_height = canvas.pixels.y.max(1) as f32;
    layers.overlay = Some(Overlay {
        top: screenful.top as f32 / screen_height,
        bottom: (screenful.top + screenful.picture.height) as f32 / screen_height,
        image: images.add(into_image(screenful.picture)),
    });
    tablet.buttons = screenful.buttons;
    *shown = Some(now);
}
