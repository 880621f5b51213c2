//! The tablet's quiz driven by injected touch and mouse events in a headless Bevy app: the same
//! window events winit delivers go through Bevy's input and picking plugins to the quiz.

use bevy::input::ButtonState;
use bevy::input::mouse::MouseButtonInput;
use bevy::input::touch::{TouchInput, TouchPhase};
use bevy::picking::input::PointerInputPlugin;
use bevy::prelude::*;
use bevy::window::{CursorMoved, PrimaryWindow, WindowEvent, WindowResolution};
use kiosk_player::core::display::Rotation;
use kiosk_player::core::quiz::{Quiz, Screen, Tap};
use kiosk_player::core::touch::Action;
use kiosk_player::player::screen::{Canvas, Clock};
use kiosk_player::player::tablet::{Tablet, TabletPlugin};
use std::path::Path;
use std::time::Duration;

const QUIZ: &str = r#"Quiz(
    title: "テスト",
    title_en: "Test",
    questions_per_round: 2,
    idle_seconds: 10,
    shuffle: false,
    questions: [
        (question: "一つ目", question_en: "First", choices: [(ja: "あ", en: "A"), (ja: "い", en: "I")], answer: 1, explanation: "あです。"),
        (question: "二つ目", question_en: "Second", choices: [(ja: "う"), (ja: "え"), (ja: "お")], answer: 3, explanation: "おです。"),
    ],
)"#;

fn tablet_app(folder: &Path) -> App {
    tablet_app_turned(folder, UVec2::new(1280, 800), Rotation::Upright)
}

/// A tablet whose window is `window` pixels, mounted turned by `rotation`.
fn tablet_app_turned(folder: &Path, window: UVec2, rotation: Rotation) -> App {
    let quiz_path = folder.join("test-quiz.ron");
    std::fs::write(&quiz_path, QUIZ).unwrap();
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        WindowPlugin {
            primary_window: Some(Window {
                resolution: WindowResolution::new(window.x, window.y),
                ..default()
            }),
            ..default()
        },
        bevy::input::InputPlugin,
        AssetPlugin::default(),
        PointerInputPlugin,
    ))
    .init_asset::<Image>()
    .insert_resource(Canvas::new(window, 1.0, rotation))
    .init_resource::<Clock>()
    .add_plugins(TabletPlugin {
        quiz: Quiz::parse(QUIZ).unwrap(),
        quiz_path,
        results_log: Some(folder.join("results.jsonl")),
        staff_pin: Some("2580".into()),
    });
    app.update();
    app
}

fn window(app: &mut App) -> Entity {
    app.world_mut()
        .query_filtered::<Entity, With<PrimaryWindow>>()
        .single(app.world())
        .unwrap()
}

/// Sends a touch as winit does: to picking (as a window event) and to `Touches`.
fn touch(app: &mut App, id: u64, phase: TouchPhase, position: Vec2) {
    let window = window(app);
    let input = TouchInput {
        phase,
        position,
        window,
        force: None,
        id,
    };
    app.world_mut().write_message(input);
    app.world_mut()
        .write_message(WindowEvent::TouchInput(input));
}

fn tap_with_finger(app: &mut App, id: u64, at: Vec2) {
    touch(app, id, TouchPhase::Started, at);
    app.update();
    touch(app, id, TouchPhase::Ended, at);
    app.update();
}

fn click(app: &mut App, at: Vec2) {
    let window = window(app);
    app.world_mut()
        .write_message(WindowEvent::CursorMoved(CursorMoved {
            window,
            position: at,
            delta: None,
        }));
    for state in [ButtonState::Pressed, ButtonState::Released] {
        app.world_mut()
            .write_message(WindowEvent::MouseButtonInput(MouseButtonInput {
                button: MouseButton::Left,
                state,
                window,
            }));
        app.update();
    }
}

fn screen(app: &App) -> Screen {
    app.world().resource::<Tablet>().machine.screen().clone()
}

/// The centre of the button that does `action` on the screen now.
fn button(app: &App, action: Action) -> Vec2 {
    let tablet = app.world().resource::<Tablet>();
    let found = tablet
        .buttons
        .iter()
        .find(|b| b.action == action)
        .unwrap_or_else(|| panic!("no {action:?} button on {}", tablet.screen_name()));
    Vec2::new(
        found.rect.x + found.rect.width / 2.0,
        found.rect.y + found.rect.height / 2.0,
    )
}

#[test]
fn on_a_turned_tablet_a_touch_lands_on_the_button_drawn_under_it() {
    // A landscape quiz on a panel hung in portrait, its top edge to the right.
    let folder = tempfile::tempdir().unwrap();
    let mut app = tablet_app_turned(folder.path(), UVec2::new(800, 1280), Rotation::Quarter);
    let canvas = *app.world().resource::<Canvas>();
    assert_eq!(canvas.pixels, UVec2::new(1280, 800));
    tap_with_finger(&mut app, 0, Vec2::new(400.0, 640.0));
    assert_eq!(screen(&app), Screen::Asking { number: 0 });
    pause();
    // Where the first choice is drawn on the window, as the panel shows it.
    let first = canvas.to_window(button(&app, Action::Quiz(Tap::Choice(0))));
    let second = canvas.to_window(button(&app, Action::Quiz(Tap::Choice(1))));
    assert_ne!(first, second);
    tap_with_finger(&mut app, 1, first);
    assert!(
        matches!(screen(&app), Screen::Feedback { correct: true, .. }),
        "the first choice was answered: {:?}",
        screen(&app)
    );
}

/// Longer than the machine's guard against accidental double taps.
fn pause() {
    std::thread::sleep(Duration::from_millis(450));
}

#[test]
fn a_round_by_touch_and_mouse_in_english_is_logged() {
    let folder = tempfile::tempdir().unwrap();
    let mut app = tablet_app(folder.path());
    assert_eq!(screen(&app), Screen::Attract);
    let tablet = app.world().resource::<Tablet>();
    assert_eq!(tablet.screen_name(), "attract");
    assert!(
        tablet.buttons.len() == 2,
        "the whole screen starts, and the toggle"
    );

    // The language toggle on the attract band, by mouse.
    let toggle = button(&app, Action::Quiz(Tap::ToggleLanguage));
    click(&mut app, toggle);
    assert_eq!(
        screen(&app),
        Screen::Attract,
        "the toggle does not start a round"
    );

    tap_with_finger(&mut app, 1, Vec2::new(640.0, 300.0));
    assert_eq!(screen(&app), Screen::Asking { number: 0 });

    // Two fingers at once (a palm, two children) answer nothing.
    pause();
    let (first, second) = (
        button(&app, Action::Quiz(Tap::Choice(0))),
        button(&app, Action::Quiz(Tap::Choice(1))),
    );
    touch(&mut app, 2, TouchPhase::Started, first);
    touch(&mut app, 3, TouchPhase::Started, second);
    app.update();
    touch(&mut app, 2, TouchPhase::Ended, first);
    touch(&mut app, 3, TouchPhase::Ended, second);
    app.update();
    assert_eq!(screen(&app), Screen::Asking { number: 0 });

    tap_with_finger(&mut app, 4, first);
    assert!(
        matches!(screen(&app), Screen::Feedback { correct: true, .. }),
        "{:?}",
        screen(&app)
    );

    // A quick double tap on "next" must not also answer the next question.
    pause();
    let next = button(&app, Action::Quiz(Tap::Next));
    tap_with_finger(&mut app, 5, next);
    tap_with_finger(&mut app, 6, next);
    assert_eq!(screen(&app), Screen::Asking { number: 1 });

    pause();
    let target = button(&app, Action::Quiz(Tap::Choice(0)));
    click(&mut app, target);
    assert!(matches!(
        screen(&app),
        Screen::Feedback { correct: false, .. }
    ));
    pause();
    let next = button(&app, Action::Quiz(Tap::Next));
    click(&mut app, next);
    assert_eq!(
        screen(&app),
        Screen::Result {
            score: 1,
            passed: false
        }
    );
    pause();
    let finish = button(&app, Action::Quiz(Tap::Next));
    tap_with_finger(&mut app, 7, finish);
    assert_eq!(screen(&app), Screen::Attract);

    let log = std::fs::read_to_string(folder.path().join("results.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The round so far after each of its two answers, then the round as it ended.
    assert_eq!(lines.len(), 3, "{log}");
    assert!(lines[..2].iter().all(|l| l["in_progress"] == true), "{log}");
    let round = &lines[2];
    assert_eq!(round["round"], lines[0]["round"]);
    assert_eq!(round["quiz"], "test-quiz");
    assert_eq!(round["language"], "en");
    assert_eq!(round["finished"], true);
    assert_eq!(round["score"], 1);
    assert_eq!(round["answers"].as_array().unwrap().len(), 2);
}

#[test]
fn staff_leave_with_a_long_press_in_the_corner_and_the_pin() {
    let folder = tempfile::tempdir().unwrap();
    let mut app = tablet_app(folder.path());
    let corner = Vec2::new(20.0, 20.0);

    // A short tap in the corner is an ordinary tap: it starts a round.
    tap_with_finger(&mut app, 1, corner);
    assert_eq!(screen(&app), Screen::Asking { number: 0 });

    touch(&mut app, 2, TouchPhase::Started, corner);
    app.update();
    std::thread::sleep(Duration::from_millis(3100));
    touch(&mut app, 2, TouchPhase::Ended, corner);
    app.update();
    assert_eq!(app.world().resource::<Tablet>().screen_name(), "staff-pin");

    // A wrong PIN closes the pad and the quiz carries on.
    for digit in [1, 2, 3, 4] {
        let key = button(
            &app,
            Action::Pin(kiosk_player::core::staff_exit::PinKey::Digit(digit)),
        );
        tap_with_finger(&mut app, 10 + u64::from(digit), key);
    }
    let enter = button(
        &app,
        Action::Pin(kiosk_player::core::staff_exit::PinKey::Enter),
    );
    tap_with_finger(&mut app, 20, enter);
    assert_eq!(app.world().resource::<Tablet>().screen_name(), "question");
    assert_eq!(
        app.should_exit(),
        None,
        "a wrong PIN does not close the player"
    );

    touch(&mut app, 21, TouchPhase::Started, corner);
    app.update();
    std::thread::sleep(Duration::from_millis(3100));
    touch(&mut app, 21, TouchPhase::Ended, corner);
    app.update();
    for digit in [2, 5, 8, 0] {
        let key = button(
            &app,
            Action::Pin(kiosk_player::core::staff_exit::PinKey::Digit(digit)),
        );
        tap_with_finger(&mut app, 30 + u64::from(digit), key);
    }
    tap_with_finger(&mut app, 40, enter);
    assert_eq!(app.should_exit(), Some(AppExit::Success));
}

#[test]
fn a_visitor_who_walks_away_leaves_an_abandoned_round_and_the_attract_loop() {
    let folder = tempfile::tempdir().unwrap();
    let mut app = tablet_app(folder.path());
    tap_with_finger(&mut app, 1, Vec2::new(640.0, 300.0));
    pause();
    let choice = button(&app, Action::Quiz(Tap::Choice(1)));
    tap_with_finger(&mut app, 2, choice);
    assert!(matches!(screen(&app), Screen::Feedback { .. }));
    // The quiz's idle_seconds is 10: nobody touches the screen for longer than that.
    std::thread::sleep(Duration::from_millis(10_100));
    app.update();
    assert_eq!(screen(&app), Screen::Attract);
    assert_eq!(app.world().resource::<Tablet>().screen_name(), "attract");
    let log = std::fs::read_to_string(folder.path().join("results.jsonl")).unwrap();
    let round: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert!(
        round.get("in_progress").is_none(),
        "the round has ended: {log}"
    );
    assert_eq!(round["finished"], false);
    assert_eq!(round["answers"].as_array().unwrap().len(), 1);
    assert_eq!(round["language"], "ja");
}
