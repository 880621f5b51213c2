//! Draws the screen: one render pass puts the slide (two during a transition) and the quiz
//! layer straight into the window, a screenshot or preview's image, a rectangle per picture.
//!
//! Bevy's 2D pipeline would clear an intermediate texture, draw each layer into it as a sprite
//! and copy it to the window; on a software renderer every full-screen pass costs milliseconds
//! of CPU at 1080p, and here a still slide is one draw and nothing else.

use super::screen::Canvas;
use super::video::{VideoDraw, VideoLayers};
use super::video_render::{
    VideoBinding, VideoOnScreen, VideoTextures, bind_video, init_video_binding, upload_video_frames,
};
use crate::core::display::Rotation;
use crate::video::Layout;
use bevy::asset::{AssetEventSystems, load_internal_asset, uuid_handle};
use bevy::ecs::schedule::ScheduleLabel;
use bevy::prelude::*;
use bevy::render::extract_resource::{ExtractResource, ExtractResourcePlugin};
use bevy::render::render_asset::RenderAssets;
use bevy::render::render_resource::binding_types::{sampler, texture_2d, uniform_buffer};
use bevy::render::render_resource::{
    BindGroupEntries, BindGroupLayoutDescriptor, BindGroupLayoutEntries, BlendComponent,
    BlendFactor, BlendOperation, BlendState, Buffer, BufferInitDescriptor, BufferUsages,
    CachedRenderPipelineId, ColorTargetState, ColorWrites, FragmentState, PipelineCache,
    PrimitiveState, PrimitiveTopology, RenderPassDescriptor, RenderPipelineDescriptor, Sampler,
    SamplerBindingType, SamplerDescriptor, ShaderStages, SpecializedRenderPipeline,
    SpecializedRenderPipelines, TextureFormat, TextureSampleType, VertexState,
};
use bevy::render::renderer::{RenderContext, RenderDevice, ViewQuery};
use bevy::render::texture::GpuImage;
use bevy::render::view::ViewTarget;
use bevy::render::{Render, RenderApp, RenderStartup, RenderSystems};
use bevy::shader::Shader;

/// What the screen shows. Every frame draws exactly this, nothing else.
#[derive(Resource, Clone)]
pub struct ScreenLayers {
    /// The slide on screen, or arriving during a transition.
    pub slide: Option<Handle<Image>>,
    /// The slide leaving during a transition.
    pub leaving: Option<Handle<Image>>,
    pub motion: Motion,
    /// Where the slides go, as fractions of the screen: all of it, or a layout's main area.
    pub slide_area: [f32; 4],
    /// The clock and the ticker beside the slides, each in its own rectangle.
    pub furniture: Vec<Furniture>,
    /// The quiz layer, above the slides.
    pub overlay: Option<Overlay>,
    /// The subtitle over the video on screen, and where it goes (fractions of the screen).
    pub subtitle: Option<(Handle<Image>, [f32; 4])>,
}

impl Default for ScreenLayers {
    fn default() -> Self {
        ScreenLayers {
            slide: None,
            leaving: None,
            motion: Motion::Still,
            slide_area: FULL,
            furniture: Vec::new(),
            overlay: None,
            subtitle: None,
        }
    }
}

/// A picture of its own beside the slides, changing on its own: the clock, a ticker message.
#[derive(Clone)]
pub struct Furniture {
    pub picture: Handle<Image>,
    /// Left, top, right and bottom, as fractions of the screen.
    pub rect: [f32; 4],
    /// The picture fading out as `picture` fades in, and how far the fade has come.
    pub fading_from: Option<(Handle<Image>, f32)>,
}

/// How the leaving and the arriving slide share the screen; progress runs from 0 to 1.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Motion {
    #[default]
    Still,
    Crossfade(f32),
    /// The arriving slide comes in from the right, pushing the other out to the left.
    Push(f32),
}

/// A picture as wide as the screen over the rows from `top` to `bottom` (fractions of the
/// screen's height), blended by its alpha.
#[derive(Clone)]
pub struct Overlay {
    pub image: Handle<Image>,
    pub top: f32,
    pub bottom: f32,
}

/// [`ScreenLayers`] in the render world. It names the pictures without holding them, so a
/// picture dropped from the screen is let go in the same update (see [`plugin`]).
#[derive(Resource, Default)]
struct ExtractedLayers {
    slide: Option<AssetId<Image>>,
    leaving: Option<AssetId<Image>>,
    motion: Motion,
    slide_area: [f32; 4],
    furniture: Vec<(AssetId<Image>, [f32; 4], Option<(AssetId<Image>, f32)>)>,
    overlay: Option<(AssetId<Image>, f32, f32)>,
    subtitle: Option<(AssetId<Image>, [f32; 4])>,
}

impl ExtractResource for ExtractedLayers {
    type Source = ScreenLayers;

    fn extract_resource(layers: &ScreenLayers) -> Self {
        ExtractedLayers {
            slide: layers.slide.as_ref().map(Handle::id),
            leaving: layers.leaving.as_ref().map(Handle::id),
            motion: layers.motion,
            slide_area: layers.slide_area,
            furniture: layers
                .furniture
                .iter()
                .map(|f| {
                    let fading = f
                        .fading_from
                        .as_ref()
                        .map(|(p, progress)| (p.id(), *progress));
                    (f.picture.id(), f.rect, fading)
                })
                .collect(),
            overlay: layers
                .overlay
                .as_ref()
                .map(|overlay| (overlay.image.id(), overlay.top, overlay.bottom)),
            subtitle: layers
                .subtitle
                .as_ref()
                .map(|(image, rect)| (image.id(), *rect)),
        }
    }
}

/// How the canvas is turned onto the window ([`Rotation::matrix`]), in the render world. Absent
/// offscreen, where nothing is turned.
#[derive(Resource)]
struct ExtractedTurn([f32; 4]);

impl ExtractResource for ExtractedTurn {
    type Source = Canvas;

    fn extract_resource(canvas: &Canvas) -> Self {
        ExtractedTurn(canvas.rotation.matrix())
    }
}

/// The render schedule of the camera that shows [`ScreenLayers`], in place of Bevy's `Core2d`.
#[derive(ScheduleLabel, Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ScreenGraph;

const SCREEN_SHADER: Handle<Shader> = uuid_handle!("6f1c2b8e-3d4a-4e5f-9a7b-1c2d3e4f5a6b");
const VIDEO_SHADER: Handle<Shader> = uuid_handle!("0b9e8f3c-5a61-4c2e-8d7f-2e4a6c8b1d3f");

pub fn plugin(app: &mut App) {
    load_internal_asset!(app, SCREEN_SHADER, "screen.wgsl", Shader::from_wgsl);
    load_internal_asset!(app, VIDEO_SHADER, "video.wgsl", Shader::from_wgsl);
    app.init_resource::<ScreenLayers>()
        .add_plugins(ExtractResourcePlugin::<ExtractedLayers>::default())
        .add_plugins(ExtractResourcePlugin::<VideoLayers>::default())
        .add_plugins(ExtractResourcePlugin::<ExtractedTurn>::default())
        // Bevy notices dropped pictures at the start of the next update, and frees their
        // textures in the frame after: a cut, which draws one frame and sleeps, would keep the
        // old slide's texture until the next cut. Noticing them again after `Update` frees it
        // in the frame of the cut itself.
        .add_systems(
            PostUpdate,
            Assets::<Image>::track_assets.before(AssetEventSystems),
        );
    let Some(render_app) = app.get_sub_app_mut(RenderApp) else {
        return;
    };
    render_app
        .add_schedule(Schedule::new(ScreenGraph))
        .init_resource::<SpecializedRenderPipelines<ScreenPipeline>>()
        .init_resource::<VideoTextures>()
        .add_systems(
            RenderStartup,
            (init_video_binding, init_screen_pipeline).chain(),
        )
        .add_systems(
            Render,
            (
                prepare_screen_pipelines.in_set(RenderSystems::Prepare),
                upload_video_frames.in_set(RenderSystems::PrepareResources),
            ),
        )
        .add_systems(ScreenGraph, draw_screen);
}

/// The camera that shows [`ScreenLayers`].
pub fn screen_camera() -> impl Bundle {
    (
        Camera2d,
        Msaa::Off,
        bevy::render::camera::CameraRenderGraph::new(ScreenGraph),
    )
}

#[derive(Resource)]
struct ScreenPipeline {
    layout: BindGroupLayoutDescriptor,
    video_layout: BindGroupLayoutDescriptor,
    sampler: Sampler,
}

fn init_screen_pipeline(
    mut commands: Commands,
    render_device: Res<RenderDevice>,
    video: Res<VideoBinding>,
) {
    let layout = BindGroupLayoutDescriptor::new(
        "screen_picture",
        &BindGroupLayoutEntries::sequential(
            ShaderStages::VERTEX_FRAGMENT,
            (
                // The rectangle, the crossfade's progress, and how the canvas is turned.
                uniform_buffer::<[Vec4; 3]>(false),
                texture_2d(TextureSampleType::Float { filterable: false }),
                // The arriving slide of a crossfade; the same picture again otherwise.
                texture_2d(TextureSampleType::Float { filterable: false }),
                sampler(SamplerBindingType::NonFiltering),
            ),
        ),
    );
    commands.insert_resource(ScreenPipeline {
        layout,
        video_layout: video.layout.clone(),
        // Nearest by default: pictures are drawn at the screen's size, one texel to a pixel.
        sampler: render_device.create_sampler(&SamplerDescriptor::default()),
    });
}

/// How a rectangle's pixels are painted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Paint {
    /// The picture, covering what is below.
    Opaque,
    /// Two slides mixed by the crossfade's progress. One draw reading two pictures costs a
    /// software renderer less than drawing the arriving slide blended over the leaving one.
    Crossfade,
    /// The picture blended by its own alpha: the quiz layer.
    Alpha,
    /// A video frame of NV12 or I420 planes, or RGBA, added to the black under it.
    VideoNv12,
    VideoI420,
    VideoRgba,
    /// A video frame covering the whole screen with nothing under it: a still video slide with
    /// no caption, where drawing the black first would cost a software renderer a whole pass.
    VideoNv12Opaque,
    VideoI420Opaque,
    VideoRgbaOpaque,
}

/// Every paint, in the order of [`ScreenPipelines`].
const PAINTS: [Paint; 9] = [
    Paint::Opaque,
    Paint::Crossfade,
    Paint::Alpha,
    Paint::VideoNv12,
    Paint::VideoI420,
    Paint::VideoRgba,
    Paint::VideoNv12Opaque,
    Paint::VideoI420Opaque,
    Paint::VideoRgbaOpaque,
];

/// Adds what is drawn to what is there: a video's weighted light onto its slide's black.
const ADD: BlendState = BlendState {
    color: BlendComponent {
        src_factor: BlendFactor::One,
        dst_factor: BlendFactor::One,
        operation: BlendOperation::Add,
    },
    alpha: BlendComponent {
        src_factor: BlendFactor::Zero,
        dst_factor: BlendFactor::One,
        operation: BlendOperation::Add,
    },
};

impl SpecializedRenderPipeline for ScreenPipeline {
    /// The format of the view drawn into (the window's, or an image's), and the paint.
    type Key = (TextureFormat, Paint);

    fn specialize(&self, (format, paint): Self::Key) -> RenderPipelineDescriptor {
        let (entry_point, blend) = match paint {
            Paint::Opaque => ("fragment", None),
            Paint::Crossfade => ("crossfade", None),
            Paint::Alpha => ("fragment", Some(BlendState::ALPHA_BLENDING)),
            Paint::VideoNv12 => ("nv12", Some(ADD)),
            Paint::VideoI420 => ("i420", Some(ADD)),
            Paint::VideoRgba => ("rgba", Some(ADD)),
            Paint::VideoNv12Opaque => ("nv12", None),
            Paint::VideoI420Opaque => ("i420", None),
            Paint::VideoRgbaOpaque => ("rgba", None),
        };
        let video = !matches!(paint, Paint::Opaque | Paint::Crossfade | Paint::Alpha);
        let (shader, layout) = if video {
            (VIDEO_SHADER, &self.video_layout)
        } else {
            (SCREEN_SHADER, &self.layout)
        };
        RenderPipelineDescriptor {
            label: Some("screen picture".into()),
            layout: vec![layout.clone()],
            vertex: VertexState {
                shader: shader.clone(),
                shader_defs: Vec::new(),
                entry_point: Some("vertex".into()),
                buffers: Vec::new(),
            },
            primitive: PrimitiveState {
                topology: PrimitiveTopology::TriangleStrip,
                ..default()
            },
            fragment: Some(FragmentState {
                shader,
                entry_point: Some(entry_point.into()),
                targets: vec![Some(ColorTargetState {
                    format,
                    blend,
                    write_mask: ColorWrites::ALL,
                })],
                ..default()
            }),
            ..default()
        }
    }
}

/// The pipelines for one view, by [`Paint`].
#[derive(Component, PartialEq)]
struct ScreenPipelines([CachedRenderPipelineId; PAINTS.len()]);

impl ScreenPipelines {
    fn get(&self, paint: Paint) -> CachedRenderPipelineId {
        self.0[paint as usize]
    }
}

fn prepare_screen_pipelines(
    mut commands: Commands,
    mut pipeline_cache: ResMut<PipelineCache>,
    mut pipelines: ResMut<SpecializedRenderPipelines<ScreenPipeline>>,
    screen_pipeline: Res<ScreenPipeline>,
    views: Query<(Entity, &ViewTarget, Option<&ScreenPipelines>)>,
) {
    for (entity, target, prepared) in &views {
        let Some(format) = target.out_texture_view_format() else {
            continue;
        };
        let ids =
            ScreenPipelines(PAINTS.map(|paint| {
                pipelines.specialize(&pipeline_cache, &screen_pipeline, (format, paint))
            }));
        if prepared != Some(&ids) {
            // A frame without its pipelines would show nothing; compile them now.
            for id in ids.0 {
                pipeline_cache.block_on_render_pipeline(id);
            }
            commands.entity(entity).insert(ids);
        }
    }
}

/// A uniform buffer of `rows`, each a WGSL `vec4<f32>`.
pub(super) fn placement_buffer(device: &RenderDevice, label: &str, rows: &[[f32; 4]]) -> Buffer {
    device.create_buffer_with_data(&BufferInitDescriptor {
        label: Some(label),
        contents: &rows
            .as_flattened()
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<u8>>(),
        usage: BufferUsages::UNIFORM,
    })
}

/// The whole screen, as fractions of it.
const FULL: [f32; 4] = [0.0, 0.0, 1.0, 1.0];

/// `rect` given as fractions of `area`, as fractions of the screen.
pub(super) fn within(area: [f32; 4], rect: [f32; 4]) -> [f32; 4] {
    let [left, top, right, bottom] = area;
    let (width, height) = (right - left, bottom - top);
    [
        left + rect[0] * width,
        top + rect[1] * height,
        left + rect[2] * width,
        top + rect[3] * height,
    ]
}

/// One rectangle of the screen and what paints it.
struct Draw<'a> {
    picture: &'a GpuImage,
    /// Mixed in by `progress` when the paint is a crossfade.
    arriving: &'a GpuImage,
    /// Left, top, right and bottom edges, as fractions of the screen.
    rect: [f32; 4],
    paint: Paint,
    progress: f32,
}

impl<'a> Draw<'a> {
    fn new(picture: &'a GpuImage, rect: [f32; 4], paint: Paint) -> Self {
        Draw {
            picture,
            arriving: picture,
            rect,
            paint,
            progress: 0.0,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_screen(
    view: ViewQuery<(&ViewTarget, &ScreenPipelines)>,
    layers: Res<ExtractedLayers>,
    turn: Option<Res<ExtractedTurn>>,
    images: Res<RenderAssets<GpuImage>>,
    backdrop: Res<ClearColor>,
    screen_pipeline: Res<ScreenPipeline>,
    pipeline_cache: Res<PipelineCache>,
    (videos, video_textures, video_binding): (
        Option<Res<VideoLayers>>,
        Res<VideoTextures>,
        Res<VideoBinding>,
    ),
    mut ctx: RenderContext,
) {
    let (target, pipelines) = view.into_inner();
    // A picture not uploaded yet is left out rather than drawn blank.
    let slide = layers.slide.and_then(|image| images.get(image));
    let leaving = layers.leaving.and_then(|image| images.get(image));
    let mut draws: Vec<Draw> = Vec::with_capacity(3);
    // Each video goes where its slide is, over the black drawn for it there.
    let video_of_slide = videos.as_ref().and_then(|v| v.slide.as_ref());
    let video_of_leaving = videos.as_ref().and_then(|v| v.leaving.as_ref());
    let mut video_draws: Vec<VideoOnScreen> = Vec::with_capacity(2);
    let area = layers.slide_area;
    fn on_screen(
        draw: Option<&VideoDraw>,
        area: [f32; 4],
        offset: f32,
        weight: f32,
    ) -> Option<VideoOnScreen<'_>> {
        draw.map(|draw| VideoOnScreen {
            draw,
            area,
            offset,
            weight,
            opaque: false,
        })
    }
    match (leaving, slide, layers.motion) {
        (Some(leaving), Some(slide), Motion::Crossfade(progress)) => {
            draws.push(Draw {
                picture: leaving,
                arriving: slide,
                rect: area,
                paint: Paint::Crossfade,
                progress,
            });
            video_draws.extend(on_screen(video_of_leaving, area, 0.0, 1.0 - progress));
            video_draws.extend(on_screen(video_of_slide, area, 0.0, progress));
        }
        (Some(leaving), Some(slide), Motion::Push(progress)) => {
            video_draws.extend(on_screen(video_of_leaving, area, -progress, 1.0));
            video_draws.extend(on_screen(video_of_slide, area, 1.0 - progress, 1.0));
            // What is pushed past the slides' area is drawn over by the furniture there.
            draws.push(Draw::new(
                leaving,
                within(area, [-progress, 0.0, 1.0 - progress, 1.0]),
                Paint::Opaque,
            ));
            draws.push(Draw::new(
                slide,
                within(area, [1.0 - progress, 0.0, 2.0 - progress, 1.0]),
                Paint::Opaque,
            ));
        }
        (_, Some(slide), _) => {
            let covering = video_of_slide.filter(|video| {
                video.placement.screen == FULL && video_textures.has_frame(video.id)
            });
            if covering.is_none() {
                draws.push(Draw::new(slide, area, Paint::Opaque));
            }
            video_draws.extend(on_screen(video_of_slide, area, 0.0, 1.0).map(|video| {
                VideoOnScreen {
                    opaque: covering.is_some(),
                    ..video
                }
            }));
        }
        (Some(leaving), None, _) => {
            draws.push(Draw::new(leaving, area, Paint::Opaque));
            video_draws.extend(on_screen(video_of_leaving, area, 0.0, 1.0));
        }
        (None, None, _) => {}
    }
    // The furniture, after the slides: it covers what a push moves out of the slides' area.
    let furniture: Vec<Draw> = layers
        .furniture
        .iter()
        .filter_map(|(picture, rect, fading)| {
            let picture = images.get(*picture)?;
            Some(
                match fading.and_then(|(from, p)| Some((images.get(from)?, p))) {
                    Some((from, progress)) => Draw {
                        picture: from,
                        arriving: picture,
                        rect: *rect,
                        paint: Paint::Crossfade,
                        progress,
                    },
                    None => Draw::new(picture, *rect, Paint::Opaque),
                },
            )
        })
        .collect();
    // Only an empty screen is cleared: slides (or a video covering the screen) and the
    // furniture cover every pixel.
    let clear = (draws.is_empty() && video_draws.is_empty()).then(|| backdrop.0.to_linear());
    let overlay = layers.overlay.and_then(|(image, top, bottom)| {
        Some(Draw::new(
            images.get(image)?,
            [0.0, top, 1.0, bottom],
            Paint::Alpha,
        ))
    });
    let device = ctx.render_device().clone();
    let layout = pipeline_cache.get_bind_group_layout(&screen_pipeline.layout);
    let turn = turn
        .as_ref()
        .map_or(Rotation::Upright.matrix(), |turn| turn.0);
    let bind_picture = |draw: &Draw| {
        let pipeline = pipeline_cache.get_render_pipeline(pipelines.get(draw.paint))?;
        let uniform = [draw.rect, [draw.progress, 0.0, 0.0, 0.0], turn];
        let placement = placement_buffer(&device, "screen placement", &uniform);
        let bind_group = device.create_bind_group(
            "screen_picture",
            &layout,
            &BindGroupEntries::sequential((
                placement.as_entire_binding(),
                &draw.picture.texture_view,
                &draw.arriving.texture_view,
                &screen_pipeline.sampler,
            )),
        );
        Some((pipeline, bind_group))
    };
    let mut bound: Vec<_> = draws.iter().filter_map(bind_picture).collect();
    for video in &video_draws {
        let paint = match (video_textures.layout(video.draw.id), video.opaque) {
            (Some(Layout::Nv12), false) => Paint::VideoNv12,
            (Some(Layout::I420), false) => Paint::VideoI420,
            (Some(Layout::Rgba), false) => Paint::VideoRgba,
            (Some(Layout::Nv12), true) => Paint::VideoNv12Opaque,
            (Some(Layout::I420), true) => Paint::VideoI420Opaque,
            (Some(Layout::Rgba), true) => Paint::VideoRgbaOpaque,
            (None, _) => continue,
        };
        if let Some(pipeline) = pipeline_cache.get_render_pipeline(pipelines.get(paint))
            && let Some(bind_group) = bind_video(
                video,
                turn,
                &video_textures,
                &video_binding,
                &device,
                &pipeline_cache,
            )
        {
            bound.push((pipeline, bind_group));
        }
    }
    let subtitle = layers
        .subtitle
        .and_then(|(image, rect)| Some(Draw::new(images.get(image)?, rect, Paint::Opaque)));
    bound.extend(subtitle.as_ref().and_then(bind_picture));
    bound.extend(furniture.iter().filter_map(bind_picture));
    bound.extend(overlay.as_ref().and_then(bind_picture));
    let Some(attachment) = target.out_texture_color_attachment(clear) else {
        return;
    };
    let mut pass = ctx
        .command_encoder()
        .begin_render_pass(&RenderPassDescriptor {
            label: Some("screen"),
            color_attachments: &[Some(attachment)],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
    for (pipeline, bind_group) in &bound {
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, bind_group, &[]);
        pass.draw(0..4, 0..1);
    }
}

#[cfg(test)]
mod tests {
    //! Real frames from the real renderer (Vulkan, software or not), read back pixel by pixel.
    use super::*;
    use crate::compose::Picture;
    use crate::core::config::ScreenSize;
    use crate::player::preview::Offscreen;

    const WIDTH: u32 = 64;
    const HEIGHT: u32 = 32;

    fn solid(rgba: [u8; 4]) -> Picture {
        Picture {
            width: WIDTH,
            height: HEIGHT,
            rgba: rgba.repeat((WIDTH * HEIGHT) as usize),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn transitions_and_the_quiz_layer_are_drawn_as_the_layers_say() {
        let mut screen = Offscreen::new(ScreenSize {
            width: WIDTH,
            height: HEIGHT,
        })
        .expect("a renderer");
        let red = screen.add_picture(solid([255, 0, 0, 255]));
        let blue = screen.add_picture(solid([0, 0, 255, 255]));
        let veil = screen.add_picture(solid([255, 255, 255, 128]));
        let out = tempfile::tempdir().unwrap();
        let shot = out.path().join("frame.png");
        let (middle, bottom) = (HEIGHT / 2, HEIGHT - 2);
        // Halfway through a crossfade each channel is half its light: 188 in sRGB, not 128.
        let halfway = ScreenLayers {
            slide: Some(blue.clone()),
            leaving: Some(red.clone()),
            motion: Motion::Crossfade(0.5),
            ..default()
        };
        screen
            .render_layers(halfway, &shot, &[(WIDTH / 2, middle, [188, 0, 188, 255])])
            .unwrap();
        // A quarter into a slide: the leaving slide still covers three quarters, from the left.
        let pushed = ScreenLayers {
            slide: Some(blue.clone()),
            leaving: Some(red.clone()),
            motion: Motion::Push(0.25),
            ..default()
        };
        let probes = [
            (1, middle, [255, 0, 0, 255]),
            (WIDTH * 3 / 4 - 2, middle, [255, 0, 0, 255]),
            (WIDTH * 3 / 4 + 1, middle, [0, 0, 255, 255]),
            (WIDTH - 1, middle, [0, 0, 255, 255]),
        ];
        screen.render_layers(pushed, &shot, &probes).unwrap();
        // The quiz layer over the bottom half, blended by its alpha; the top half untouched.
        let with_layer = ScreenLayers {
            slide: Some(blue.clone()),
            overlay: Some(Overlay {
                image: veil,
                top: 0.5,
                bottom: 1.0,
            }),
            ..default()
        };
        let probes = [
            (WIDTH / 2, 2, [0, 0, 255, 255]),
            (WIDTH / 2, bottom, [188, 188, 255, 255]),
        ];
        screen.render_layers(with_layer, &shot, &probes).unwrap();
        // Nothing to show yet: the backdrop, never black.
        let backdrop = crate::player::screen::BACKDROP;
        screen
            .render_layers(ScreenLayers::default(), &shot, &[(3, 3, backdrop)])
            .unwrap();
    }
}
