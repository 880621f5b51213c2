// A video frame on its rectangle of the screen: YUV planes read and converted to RGB by the
// frame's own matrix (or an RGB frame GStreamer converted, on a software renderer), and added
// (weighted) to the black the slide's picture has there, so a crossfade mixes a video like any
// other picture.

struct Placement {
    // Left, top, right and bottom edges as fractions of the screen (y down).
    rect: vec4<f32>,
    // The part of the upright picture shown there, as fractions of it.
    source: vec4<f32>,
    // How a point of the upright picture maps into the stored frame, about the centre (a phone's
    // clip filmed upright is stored on its side): (m00, m01, m10, m11).
    orientation: vec4<f32>,
    // How the canvas is turned onto the window, about the centre: (m00, m01, m10, m11).
    turn: vec4<f32>,
    // x: how much of the video shows: 1, or a crossfade's share.
    weight: vec4<f32>,
    // The rows of the matrix taking (Y, U, V, 1) to non-linear R'G'B'.
    to_red: vec4<f32>,
    to_green: vec4<f32>,
    to_blue: vec4<f32>,
}

@group(0) @binding(0) var<uniform> placement: Placement;
@group(0) @binding(1) var luma: texture_2d<f32>;
// NV12: both are the interleaved UV plane. I420: the U plane, then the V plane. RGBA: `luma`
// holds the whole frame, and these are unused.
@group(0) @binding(2) var chroma_u: texture_2d<f32>;
@group(0) @binding(3) var chroma_v: texture_2d<f32>;
@group(0) @binding(4) var frame_sampler: sampler;

struct VertexOutput {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
}

@vertex
fn vertex(@builtin(vertex_index) index: u32) -> VertexOutput {
    let corner = vec2<f32>(f32(index & 1u), f32(index >> 1u));
    let on_canvas = mix(placement.rect.xy, placement.rect.zw, corner) - vec2(0.5);
    let at = mat2x2<f32>(placement.turn.xz, placement.turn.yw) * on_canvas + vec2(0.5);
    var out: VertexOutput;
    out.position = vec4(at.x * 2.0 - 1.0, 1.0 - at.y * 2.0, 0.0, 1.0);
    let upright = mix(placement.source.xy, placement.source.zw, corner) - vec2(0.5);
    out.uv = mat2x2<f32>(placement.orientation.xz, placement.orientation.yw) * upright + vec2(0.5);
    return out;
}

// The screen's target is sRGB: it expects linear light and encodes it itself. Video samples are
// non-linear, so without this every video would look washed out.
fn to_linear(colour: vec3<f32>) -> vec3<f32> {
    let c = clamp(colour, vec3(0.0), vec3(1.0));
    return select(pow((c + 0.055) / 1.055, vec3(2.4)), c / 12.92, c <= vec3(0.04045));
}

fn shown(yuv: vec4<f32>) -> vec4<f32> {
    let rgb = vec3(dot(placement.to_red, yuv), dot(placement.to_green, yuv), dot(placement.to_blue, yuv));
    let weight = placement.weight.x;
    return vec4(to_linear(rgb) * weight, weight);
}

@fragment
fn nv12(in: VertexOutput) -> @location(0) vec4<f32> {
    let y = textureSample(luma, frame_sampler, in.uv).r;
    let uv = textureSample(chroma_u, frame_sampler, in.uv).rg;
    return shown(vec4(y, uv, 1.0));
}

@fragment
fn i420(in: VertexOutput) -> @location(0) vec4<f32> {
    let y = textureSample(luma, frame_sampler, in.uv).r;
    let u = textureSample(chroma_u, frame_sampler, in.uv).r;
    let v = textureSample(chroma_v, frame_sampler, in.uv).r;
    return shown(vec4(y, u, v, 1.0));
}

// Already R'G'B' (converted by GStreamer), in an sRGB texture: sampling gives linear light.
@fragment
fn rgba(in: VertexOutput) -> @location(0) vec4<f32> {
    let weight = placement.weight.x;
    return vec4(textureSample(luma, frame_sampler, in.uv).rgb * weight, weight);
}
