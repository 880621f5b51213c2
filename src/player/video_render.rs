//! The render world's half of video slides: a video's planes uploaded to its own textures when a
//! new frame comes (nothing is uploaded otherwise), and the bind groups that draw them.

use super::compositor::{placement_buffer, within};
use super::status::PlayerCounters;
use super::video::{ScreenPresentation, VideoDraw, VideoLayers};
use crate::status::Counters;
use crate::video::{Frame, Layout};
use bevy::prelude::*;
use bevy::render::render_resource::binding_types::{sampler, texture_2d, uniform_buffer};
use bevy::render::render_resource::{
    AddressMode, BindGroup, BindGroupEntries, BindGroupLayoutDescriptor, BindGroupLayoutEntries,
    Extent3d, FilterMode, PipelineCache, Sampler, SamplerBindingType, SamplerDescriptor,
    ShaderStages, TexelCopyBufferLayout, Texture, TextureDescriptor, TextureDimension,
    TextureFormat, TextureSampleType, TextureUsages, TextureView, TextureViewDescriptor,
};
use bevy::render::renderer::{RenderDevice, RenderQueue};
use std::collections::HashMap;

/// The bind group layout and samplers of video draws.
#[derive(Resource)]
pub(super) struct VideoBinding {
    pub layout: BindGroupLayoutDescriptor,
    /// Bilinear, for frames scaled to their rectangle.
    filtered: Sampler,
    /// For RGB frames shown pixel for pixel, where filtering would change nothing and costs a
    /// software renderer a third of its drawing time.
    unfiltered: Sampler,
}

pub(super) fn init_video_binding(mut commands: Commands, render_device: Res<RenderDevice>) {
    let layout = BindGroupLayoutDescriptor::new(
        "screen_video",
        &BindGroupLayoutEntries::sequential(
            ShaderStages::VERTEX_FRAGMENT,
            (
                // Rectangle, source part, orientation, turn, weight, and the three rows of the YUV
                // matrix.
                uniform_buffer::<[Vec4; 8]>(false),
                texture_2d(TextureSampleType::Float { filterable: true }),
                texture_2d(TextureSampleType::Float { filterable: true }),
                texture_2d(TextureSampleType::Float { filterable: true }),
                sampler(SamplerBindingType::Filtering),
            ),
        ),
    );
    let sampler = |filter: FilterMode| {
        render_device.create_sampler(&SamplerDescriptor {
            mag_filter: filter,
            min_filter: filter,
            address_mode_u: AddressMode::ClampToEdge,
            address_mode_v: AddressMode::ClampToEdge,
            ..default()
        })
    };
    commands.insert_resource(VideoBinding {
        layout,
        filtered: sampler(FilterMode::Linear),
        unfiltered: sampler(FilterMode::Nearest),
    });
}

/// One video's textures, by plane, and the number of the frame in them.
struct Uploaded {
    number: u64,
    layout: Layout,
    /// The frame's YUV matrix.
    to_rgb: [[f32; 4]; 3],
    size: (u32, u32),
    /// Not anamorphic: a sample is a square pixel.
    square_pixels: bool,
    planes: Vec<(Texture, TextureView)>,
}

/// The textures of the videos on screen, by playback id.
#[derive(Resource, Default)]
pub(super) struct VideoTextures(HashMap<u64, Uploaded>);

impl VideoTextures {
    /// Whether a frame of playback `id` is in its textures.
    pub fn has_frame(&self, id: u64) -> bool {
        self.0.get(&id).is_some_and(|u| u.number != 0)
    }

    /// How the frames of playback `id` lie in its textures.
    pub fn layout(&self, id: u64) -> Option<Layout> {
        self.0.get(&id).map(|u| u.layout)
    }
}

/// Uploads the frames of the videos on screen that are new since the last frame drawn, and lets
/// go of the textures of videos no longer on screen.
pub(super) fn upload_video_frames(
    layers: Option<ResMut<VideoLayers>>,
    device: Res<RenderDevice>,
    queue: Res<RenderQueue>,
    mut textures: ResMut<VideoTextures>,
    counters: Option<Res<PlayerCounters>>,
    presentation: Option<Res<ScreenPresentation>>,
) {
    let feedback = presentation.as_ref().and_then(|p| p.0.get());
    let mut layers = layers;
    let draws: Vec<&mut VideoDraw> = match layers.as_deref_mut() {
        Some(layers) => [&mut layers.slide, &mut layers.leaving]
            .into_iter()
            .flatten()
            .collect(),
        None => Vec::new(),
    };
    textures
        .0
        .retain(|id, _| draws.iter().any(|draw| draw.id == *id));
    for draw in draws {
        // Taken: uploaded once, then given back to the decoder.
        let Some(frame) = draw.frame.take() else {
            continue;
        };
        let (layout, size) = (frame.layout(), frame.size());
        let uploaded = textures
            .0
            .entry(draw.id)
            .and_modify(|u| {
                if (u.layout, u.size) != (layout, size) {
                    *u = create_textures(&device, layout, size);
                }
            })
            .or_insert_with(|| create_textures(&device, layout, size));
        if uploaded.number != draw.number {
            let started = std::time::Instant::now();
            write_planes(&queue, &frame, &uploaded.planes);
            if let Some(counters) = &counters {
                let counters = &counters.0;
                Counters::add(&counters.video_frames_drawn, 1);
                // Uploaded now, drawn and committed in this frame: the compositor's feedback on
                // the surface's next commit is this frame's. Without it, drawn is presented.
                match feedback {
                    Some(feedback) => feedback.frame_drawn(),
                    None => Counters::add(&counters.video_frames_presented, 1),
                }
                Counters::add(
                    &counters.video_upload_micros,
                    started.elapsed().as_micros() as u64,
                );
                // Frames numbered between the last one drawn and this one came and went unseen.
                if uploaded.number != 0 && draw.number > uploaded.number {
                    Counters::add(
                        &counters.video_frames_dropped,
                        draw.number - uploaded.number - 1,
                    );
                }
            }
            uploaded.number = draw.number;
            uploaded.to_rgb = frame.to_rgb();
            uploaded.square_pixels = frame.display_size() == size;
        }
    }
}

fn create_textures(device: &RenderDevice, layout: Layout, (width, height): (u32, u32)) -> Uploaded {
    let (half_width, half_height) = (width.div_ceil(2), height.div_ceil(2));
    // RGB frames are non-linear sRGB, as the screen is: the texture's sampler decodes them.
    let shapes: &[(u32, u32, TextureFormat)] = match layout {
        Layout::Nv12 => &[
            (width, height, TextureFormat::R8Unorm),
            (half_width, half_height, TextureFormat::Rg8Unorm),
        ],
        Layout::I420 => &[
            (width, height, TextureFormat::R8Unorm),
            (half_width, half_height, TextureFormat::R8Unorm),
            (half_width, half_height, TextureFormat::R8Unorm),
        ],
        Layout::Rgba => &[(width, height, TextureFormat::Rgba8UnormSrgb)],
    };
    let planes = shapes
        .iter()
        .map(|&(width, height, format)| {
            let texture = device.create_texture(&TextureDescriptor {
                label: Some("video plane"),
                size: Extent3d {
                    width,
                    height,
                    depth_or_array_layers: 1,
                },
                mip_level_count: 1,
                sample_count: 1,
                dimension: TextureDimension::D2,
                format,
                usage: TextureUsages::TEXTURE_BINDING | TextureUsages::COPY_DST,
                view_formats: &[],
            });
            let view = texture.create_view(&TextureViewDescriptor::default());
            (texture, view)
        })
        .collect();
    Uploaded {
        // Frame numbers start at 1: nothing is in the textures yet.
        number: 0,
        layout,
        to_rgb: [[0.0; 4]; 3],
        size: (width, height),
        square_pixels: true,
        planes,
    }
}

/// Copies each plane with its own stride: no repacking on the CPU.
fn write_planes(queue: &RenderQueue, frame: &Frame, textures: &[(Texture, TextureView)]) {
    let written = frame.with_planes(|planes| {
        for (plane, (texture, _)) in planes.iter().zip(textures) {
            queue.write_texture(
                texture.as_image_copy(),
                plane.data,
                TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(plane.stride),
                    rows_per_image: Some(plane.rows),
                },
                Extent3d {
                    width: plane.width,
                    height: plane.rows,
                    depth_or_array_layers: 1,
                },
            );
        }
    });
    if written.is_none() {
        warn!("a video frame could not be read; the one before stays on screen");
    }
}

/// A video on its rectangle: `offset` moves it across the screen with its slide (a push), and
/// `weight` is how much of it shows (a crossfade's share).
pub(super) struct VideoOnScreen<'a> {
    pub draw: &'a VideoDraw,
    /// The slides' area, as fractions of the screen; the placement is within it.
    pub area: [f32; 4],
    pub offset: f32,
    pub weight: f32,
    /// Nothing is under it: drawn without blending.
    pub opaque: bool,
}

/// The bind group of one video draw, if its textures are there.
pub(super) fn bind_video(
    video: &VideoOnScreen,
    turn: [f32; 4],
    textures: &VideoTextures,
    binding: &VideoBinding,
    device: &RenderDevice,
    pipeline_cache: &PipelineCache,
) -> Option<BindGroup> {
    let uploaded = textures.0.get(&video.draw.id)?;
    if uploaded.number == 0 {
        return None;
    }
    let [left, top, right, bottom] = video.draw.placement.screen;
    let [to_red, to_green, to_blue] = uploaded.to_rgb;
    let uniform = [
        within(
            video.area,
            [left + video.offset, top, right + video.offset, bottom],
        ),
        video.draw.placement.source,
        video.draw.placement.orientation.to_frame(),
        turn,
        [video.weight, 0.0, 0.0, 0.0],
        to_red,
        to_green,
        to_blue,
    ];
    let buffer = placement_buffer(device, "video placement", &uniform);
    let view = |index: usize| &uploaded.planes[index.min(uploaded.planes.len() - 1)].1;
    let (u, v) = match uploaded.layout {
        Layout::Nv12 => (view(1), view(1)),
        Layout::I420 => (view(1), view(2)),
        Layout::Rgba => (view(0), view(0)),
    };
    // YUV's chroma is half size: always filtered.
    let sampler = match uploaded.layout {
        Layout::Rgba if video.draw.placement.unscaled && uploaded.square_pixels => {
            &binding.unfiltered
        }
        _ => &binding.filtered,
    };
    Some(device.create_bind_group(
        "screen_video",
        &pipeline_cache.get_bind_group_layout(&binding.layout),
        &BindGroupEntries::sequential((buffer.as_entire_binding(), view(0), u, v, sampler)),
    ))
}
