//! Renders each slide of a playlist to PNG with the real renderer, offscreen, without a window.

use super::screen::{BACKDROP, spawn_camera};
use super::slideshow::into_image;
use crate::compose::Composer;
use crate::core::config::ScreenSize;
use crate::core::playlist::Playlist;
use bevy::asset::RenderAssetUsages;
use bevy::camera::RenderTarget;
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat, TextureUsages};
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::ExitCondition;
use bevy::winit::WinitPlugin;
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
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out)?;
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
            .disable::<WinitPlugin>(),
    )
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

    let mut composer = Composer::default();
    let mut written = Vec::new();
    let mut shown: Option<Entity> = None;
    for (index, slide) in playlist.slides.iter().enumerate() {
        let picture = match composer.slide(slide, folder, size.width, size.height) {
            Ok(picture) => picture,
            Err(error) => {
                eprintln!("slide {}: skipped: {error}", index + 1);
                continue;
            }
        };
        for warning in &picture.warnings {
            eprintln!("slide {}: {warning}", index + 1);
        }
        let handle = app
            .world_mut()
            .resource_mut::<Assets<Image>>()
            .add(into_image(picture));
        if let Some(previous) = shown.take() {
            app.world_mut().despawn(previous);
        }
        let logical = Vec2::new(size.width as f32, size.height as f32);
        shown = Some(
            app.world_mut()
                .spawn(Sprite {
                    image: handle,
                    custom_size: Some(logical),
                    ..default()
                })
                .id(),
        );
        let path = out.join(format!("{:03}-{}.png", index + 1, slide.kind_name()));
        capture(&mut app, &target, &path)?;
        written.push(path);
    }
    Ok(written)
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

/// Renders frames until a screenshot of the target comes back, then writes it as PNG.
fn capture(app: &mut App, target: &Handle<Image>, path: &Path) -> anyhow::Result<()> {
    let captured: Arc<Mutex<Option<Image>>> = Arc::default();
    let sink = captured.clone();
    // One frame first so the new slide's texture is uploaded before it is captured.
    app.update();
    app.world_mut()
        .spawn(Screenshot::image(target.clone()))
        .observe(move |event: On<ScreenshotCaptured>| {
            *sink.lock().expect("capture lock") = Some(event.image.clone());
        });
    for _ in 0..MAX_FRAMES_PER_CAPTURE {
        app.update();
        if let Some(image) = captured.lock().expect("capture lock").take() {
            let picture = image.try_into_dynamic()?.to_rgba8();
            picture.save(path)?;
            return Ok(());
        }
    }
    anyhow::bail!("the renderer did not return a frame for {}", path.display())
}
