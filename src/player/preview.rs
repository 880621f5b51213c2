//! Renders each slide of a playlist, or each screen of a quiz, to PNG with the real renderer, offscreen, without a window.

use super::compositor::{self, Furniture, Overlay, ScreenLayers};
use super::screen::{BACKDROP, spawn_camera};
use super::slideshow::into_image;
use super::video::{VideoDraw, VideoLayers, VideoOnCanvas};
use crate::compose::quiz::Screenful;
use crate::compose::{Composer, Picture};
use crate::core::calendar::{ClockFace, Eras};
use crate::core::config::ScreenSize;
use crate::core::layout::{Layout, Rect, Regions};
use crate::core::playlist::{Playlist, Slide, VideoSlide};
use crate::core::quiz::{Language, Quiz, QuizMachine, Tap};
use bevy::asset::RenderAssetUsages;
use bevy::camera::RenderTarget;
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::render::pipelined_rendering::PipelinedRenderingPlugin;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat, TextureUsages};
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::ExitCondition;
use bevy::winit::WinitPlugin;
use chrono::NaiveDateTime;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The screen updates a capture may take to come back from the GPU before we give up.
const MAX_FRAMES_PER_CAPTURE: usize = 30;

/// Draws every slide of `playlist` (whose media are relative to `folder`) to
/// `out/NNN-<kind>.png`, returning the files written. A slide that cannot be drawn is reported and
/// skipped, as the player would.
pub fn render_playlist(
    playlist: &Playlist,
    folder: &Path,
    out: &Path,
    size: ScreenSize,
    around: &Surroundings,
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out)?;
    let mut renderer = Offscreen::new(size)?;
    let mut composer = Composer::default();
    let regions = around.layout.regions(size.width, size.height);
    let (furniture, furniture_probes) = renderer.furniture(&mut composer, &regions, around);
    let screen = Screen {
        area: regions.main,
        furniture,
        probes: furniture_probes,
    };
    let (width, height) = (regions.main.width, regions.main.height);
    let mut written = Vec::new();
    for (index, slide) in playlist.slides.iter().enumerate() {
        let path = out.join(format!("{:03}-{}.png", index + 1, slide.kind_name()));
        if let Slide::Video(video) = slide {
            match video_first_frame(&mut renderer, &mut composer, video, folder, &path, &screen) {
                Ok(()) => written.push(path),
                Err(error) => eprintln!("slide {}: skipped: {error}", index + 1),
            }
            continue;
        }
        let picture = match composer.slide(slide, folder, width, height) {
            Ok(picture) => picture,
            Err(error) => {
                eprintln!("slide {}: skipped: {error}", index + 1);
                continue;
            }
        };
        for warning in &picture.warnings {
            eprintln!("slide {}: {warning}", index + 1);
        }
        let mut probes = probes_of(&picture, screen.area.x, screen.area.y);
        probes.extend_from_slice(&screen.probes);
        let image = renderer.add_picture(picture);
        renderer.render_layers(screen.layers(image, size), &path, &probes)?;
        written.push(path);
    }
    Ok(written)
}

/// What a preview draws around the slides: the layout, and the clock's time and the ticker's
/// first message in it.
pub struct Surroundings {
    pub layout: Layout,
    pub eras: Eras,
    pub now: NaiveDateTime,
    pub ticker: Vec<String>,
}

/// The slides' area and the furniture around it, the same for every slide of a preview.
struct Screen {
    area: Rect,
    furniture: Vec<Furniture>,
    probes: Vec<(u32, u32, [u8; 4])>,
}

impl Screen {
    fn layers(&self, slide: Handle<Image>, size: ScreenSize) -> ScreenLayers {
        ScreenLayers {
            slide: Some(slide),
            slide_area: self.area.fractions(size.width, size.height),
            furniture: self.furniture.clone(),
            ..default()
        }
    }
}

/// A video slide as it first appears on screen: its first frame, placed and converted by the
/// compositor as the player does.
fn video_first_frame(
    renderer: &mut Offscreen,
    composer: &mut Composer,
    slide: &VideoSlide,
    folder: &Path,
    path: &Path,
    around: &Screen,
) -> anyhow::Result<()> {
    use crate::core::video::place_video;
    let size = ScreenSize {
        width: around.area.width,
        height: around.area.height,
    };
    let (picture, area) = composer.video_backdrop(slide, size.width, size.height);
    for warning in &picture.warnings {
        eprintln!("{}: {warning}", slide.file.written);
    }
    let file = crate::compose::picture::resolve_media(
        folder,
        &slide.file.relative,
        crate::video::MAX_VIDEO_BYTES,
    )?;
    let opened = crate::compose::media_process::open_video(
        &file,
        crate::core::video::DecoderChoice::Auto,
        Arc::new(|| {}),
        Default::default(),
        &Default::default(),
    )
    .map_err(|e| anyhow::anyhow!("{}: {e}", slide.file.written))?;
    let (number, frame) = opened
        .playback
        .latest()
        .ok_or_else(|| anyhow::anyhow!("{}: no first frame", slide.file.written))?;
    let display = (opened.facts.width as f32, opened.facts.height as f32);
    let screen = (size.width as f32, size.height as f32);
    let placement = place_video(display, opened.facts.orientation, area, screen, slide.fit);
    // The picture around the video first, checked at its own pixels, so it is on the GPU when the
    // frame is drawn over its black; then the frame, checked where the picture still shows.
    let (dx, dy) = (around.area.x, around.area.y);
    let mut probes = probes_of(&picture, dx, dy);
    let [left, top, right, bottom] = placement.screen;
    let mut outside: Vec<_> = probes
        .iter()
        .copied()
        .filter(|&(x, y, _)| {
            let (fx, fy) = ((x - dx) as f32 / screen.0, (y - dy) as f32 / screen.1);
            !(left..right).contains(&fx) || !(top..bottom).contains(&fy)
        })
        .collect();
    probes.extend_from_slice(&around.probes);
    outside.extend_from_slice(&around.probes);
    let image = renderer.add_picture(picture);
    let mut layers = around.layers(image, renderer.size);
    renderer.render_layers(layers.clone(), path, &probes)?;
    // The subtitle of the first frame, if one is timed there.
    let subtitles = match crate::content::load_subtitles(folder, slide) {
        Ok(subtitles) => subtitles,
        Err(problems) => {
            for problem in problems {
                eprintln!("{problem}; the video plays without its subtitles");
            }
            None
        }
    };
    let first_cue = subtitles.as_ref().and_then(|s| {
        let index = crate::core::subtitles::cue_at(&s.cues, frame.seconds()?)?;
        Some(s.cues[index].text.as_str()).filter(|text| !text.is_empty())
    });
    if let Some(text) = first_cue {
        let canvas = (renderer.size.width as f32, renderer.size.height as f32);
        let on_canvas = VideoOnCanvas::new(&placement, layers.slide_area, canvas);
        let (width, height) = on_canvas.subtitle_room();
        let subtitle = composer.subtitle(text, width, height);
        let rect = on_canvas.subtitle_rect((subtitle.width, subtitle.height));
        layers.subtitle = Some((renderer.add_picture(subtitle), rect));
    }
    renderer.app.world_mut().insert_resource(VideoLayers {
        slide: Some(VideoDraw {
            id: opened.playback.id(),
            number,
            frame: Some(frame),
            placement,
        }),
        leaving: None,
    });
    renderer.render_layers(layers, path, &outside)?;
    renderer
        .app
        .world_mut()
        .insert_resource(VideoLayers::default());
    Ok(())
}

/// Draws each screen of a quiz round to `out/NN-<screen>.png`: the attract band, a question, right
/// and wrong feedback, the result, a question in English and the staff PIN pad.
pub fn render_quiz(
    quiz: &Quiz,
    folder: &Path,
    out: &Path,
    size: ScreenSize,
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out)?;
    let mut renderer = Offscreen::new(size)?;
    let mut composer = Composer::default();
    let (width, height) = (size.width, size.height);
    let mut written = Vec::new();
    let mut wrong_saved = false;
    let mut save = |name: &str, screenful: Screenful| -> anyhow::Result<()> {
        for warning in &screenful.picture.warnings {
            eprintln!("{name}: {warning}");
        }
        let path = out.join(format!("{:02}-{name}.png", written.len() + 1));
        renderer.render(screenful.picture, screenful.top, &path)?;
        written.push(path);
        Ok(())
    };
    // A round without shuffling, answered right then wrong, shows every kind of screen.
    let mut machine = QuizMachine::new(
        Quiz {
            shuffle: false,
            ..quiz.clone()
        },
        0,
    );
    let mut now = 0.0;
    let mut tap = |machine: &mut QuizMachine, tap: Tap| {
        now += 1.0;
        machine.tap(tap, now);
    };
    save(
        "attract",
        composer.attract_band(quiz, Language::Ja, width, height),
    )?;
    tap(&mut machine, Tap::Start);
    save(
        "question",
        composer.quiz_screen(&machine, folder, width, height),
    )?;
    let right = machine.current_question().map_or(0, |(q, _)| q.answer - 1);
    tap(&mut machine, Tap::Choice(right));
    save(
        "correct",
        composer.quiz_screen(&machine, folder, width, height),
    )?;
    while machine.progress().is_some() {
        tap(&mut machine, Tap::Next);
        if let Some((question, _)) = machine.current_question() {
            let wrong = usize::from(question.answer == 1);
            tap(&mut machine, Tap::Choice(wrong));
            if !wrong_saved {
                wrong_saved = true;
                save(
                    "wrong",
                    composer.quiz_screen(&machine, folder, width, height),
                )?;
            }
        }
    }
    save(
        "result",
        composer.quiz_screen(&machine, folder, width, height),
    )?;
    let mut english = QuizMachine::new(quiz.clone(), 0);
    english.tap(Tap::ToggleLanguage, 0.0);
    english.tap(Tap::Start, 1.0);
    save(
        "question-en",
        composer.quiz_screen(&english, folder, width, height),
    )?;
    save("staff-pin", composer.pin_pad(2, width, height))?;
    Ok(written)
}

/// A headless Bevy app drawing into an image the size of the screen.
pub(super) struct Offscreen {
    app: App,
    target: Handle<Image>,
    size: ScreenSize,
}

impl Offscreen {
    /// Fails with a sentence where there is no renderer (Bevy would panic).
    pub(super) fn new(size: ScreenSize) -> anyhow::Result<Offscreen> {
        if let Some(problem) = super::screen::missing_renderer() {
            anyhow::bail!(problem);
        }
        let mut app = App::new();
        app.add_plugins(
            DefaultPlugins
                .set(WindowPlugin {
                    primary_window: None,
                    exit_condition: ExitCondition::DontExit,
                    ..default()
                })
                .set(RenderPlugin {
                    synchronous_pipeline_compilation: true,
                    ..default()
                })
                .disable::<WinitPlugin>()
                // No render thread. Its render world waits in a channel until the first update,
                // so a preview whose every slide was skipped left it to the render thread to drop
                // on its way out: Vulkan was unloaded while the process ran its exit handlers,
                // and about one exit in 40 on a busy machine died of SIGSEGV in them.
                .disable::<PipelinedRenderingPlugin>(),
        )
        .add_plugins(compositor::plugin)
        .insert_resource(ClearColor(Color::srgb_u8(
            BACKDROP[0],
            BACKDROP[1],
            BACKDROP[2],
        )));
        app.finish();
        app.cleanup();

        let target = new_render_target(&mut app, size);
        spawn_camera(app.world_mut().commands());
        app.world_mut().flush();
        let camera = app
            .world_mut()
            .query_filtered::<Entity, With<Camera2d>>()
            .single(app.world())
            .expect("one camera");
        app.world_mut()
            .entity_mut(camera)
            .insert(RenderTarget::Image(target.clone().into()));
        Ok(Offscreen { app, target, size })
    }

    /// The clock and the first ticker message of `regions`, as pictures on the GPU, with probes
    /// of their pixels.
    fn furniture(
        &mut self,
        composer: &mut Composer,
        regions: &Regions,
        around: &Surroundings,
    ) -> (Vec<Furniture>, Vec<(u32, u32, [u8; 4])>) {
        let face = ClockFace::at(around.now, &around.eras);
        let message = around.ticker.first().map_or("", String::as_str);
        let pictures = [
            regions
                .clock
                .map(|r| (r, composer.clock(&face, r.width, r.height, regions.stacked))),
            regions.ticker.map(|r| {
                (
                    r,
                    composer.ticker_page(message, r.width, r.height, regions.stacked),
                )
            }),
        ];
        let mut furniture = Vec::new();
        let mut probes = Vec::new();
        for (rect, picture) in pictures.into_iter().flatten() {
            for warning in &picture.warnings {
                eprintln!("{warning}");
            }
            probes.extend(probes_of(&picture, rect.x, rect.y));
            furniture.push(Furniture {
                picture: self.add_picture(picture),
                rect: rect.fractions(self.size.width, self.size.height),
                fading_from: None,
            });
        }
        (furniture, probes)
    }

    /// Shows `picture` with its top edge `top` pixels down the screen, and saves the frame.
    fn render(&mut self, picture: Picture, top: u32, path: &Path) -> anyhow::Result<()> {
        let probes = probes_of(&picture, 0, top);
        let picture_height = picture.height;
        let image = self.add_picture(picture);
        let screen_height = self.size.height.max(1) as f32;
        let layers = ScreenLayers {
            overlay: Some(Overlay {
                image,
                top: top as f32 / screen_height,
                bottom: (top + picture_height) as f32 / screen_height,
            }),
            ..default()
        };
        self.render_layers(layers, path, &probes)
    }

    pub(super) fn add_picture(&mut self, picture: Picture) -> Handle<Image> {
        self.app
            .world_mut()
            .resource_mut::<Assets<Image>>()
            .add(into_image(picture))
    }

    /// Shows `layers` and saves the frame once it shows every probe (x, y, colour).
    pub(super) fn render_layers(
        &mut self,
        layers: ScreenLayers,
        path: &Path,
        probes: &[(u32, u32, [u8; 4])],
    ) -> anyhow::Result<()> {
        *self.app.world_mut().resource_mut::<ScreenLayers>() = layers;
        capture(&mut self.app, &self.target, path, probes)
    }
}

/// A few pixels of `picture` shown with its top left corner at (`left`, `top`) of the screen, to
/// know a capture shows it.
fn probes_of(picture: &Picture, left: u32, top: u32) -> Vec<(u32, u32, [u8; 4])> {
    [(0.5, 0.5), (0.1, 0.1), (0.9, 0.9), (0.2, 0.8)]
        .iter()
        .map(|(fx, fy)| {
            let (x, y) = (
                (picture.width as f32 * fx) as u32,
                (picture.height as f32 * fy) as u32,
            );
            let at = ((y * picture.width + x) * 4) as usize;
            let rgba = &picture.rgba[at..at + 4];
            (x + left, y + top, [rgba[0], rgba[1], rgba[2], rgba[3]])
        })
        .collect()
}

fn new_render_target(app: &mut App, size: ScreenSize) -> Handle<Image> {
    let mut target = Image::new_uninit(
        Extent3d {
            width: size.width,
            height: size.height,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::RENDER_WORLD,
    );
    target.texture_descriptor.usage |= TextureUsages::RENDER_ATTACHMENT | TextureUsages::COPY_SRC;
    app.world_mut().resource_mut::<Assets<Image>>().add(target)
}

/// Renders frames until a capture of the target shows the picture at every probe (x, y, colour),
/// then writes it as PNG. The first frames of a new picture may not show it yet (its texture, or
/// a pipeline, can arrive a frame late), so a capture is checked, not trusted.
fn capture(
    app: &mut App,
    target: &Handle<Image>,
    path: &Path,
    probes: &[(u32, u32, [u8; 4])],
) -> anyhow::Result<()> {
    let captured: Arc<Mutex<Option<Image>>> = Arc::default();
    let mut frames = 0;
    while frames < MAX_FRAMES_PER_CAPTURE {
        let sink = captured.clone();
        app.update();
        app.world_mut()
            .spawn(Screenshot::image(target.clone()))
            .observe(move |event: On<ScreenshotCaptured>| {
                *sink.lock().expect("capture lock") = Some(event.image.clone());
            });
        let image = loop {
            app.update();
            frames += 1;
            if let Some(image) = captured.lock().expect("capture lock").take() {
                break Some(image);
            }
            if frames >= MAX_FRAMES_PER_CAPTURE {
                break None;
            }
        };
        let Some(image) = image else { break };
        let picture = image.try_into_dynamic()?.to_rgba8();
        let shows_it = probes.iter().all(|&(x, y, expected)| {
            picture.get_pixel_checked(x, y).is_some_and(|p| {
                p.0[..3]
                    .iter()
                    .zip(&expected[..3])
                    .all(|(a, b)| a.abs_diff(*b) <= 8)
            })
        });
        if shows_it {
            picture.save(path)?;
            return Ok(());
        }
    }
    anyhow::bail!(
        "the renderer did not show {} within {MAX_FRAMES_PER_CAPTURE} frames",
        path.display()
    )
}
