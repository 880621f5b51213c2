// One picture on a rectangle of the screen, or the two slides of a crossfade mixed. The vertex
// stage places the rectangle; the fragment stage reads one texel of each picture and blends
// nothing, which is what a software renderer does fastest.

struct Placement {
    // Left, top, right and bottom edges as fractions of the screen (y down); may reach past it.
    rect: vec4<f32>,
    // x: how far a crossfade has come, from 0 to 1.
    progress: vec4<f32>,
    // How the canvas is turned onto the window, about the centre: (m00, m01, m10, m11).
    turn: vec4<f32>,
}

@group(0) @binding(0) var<uniform> placement: Placement;
@group(0) @binding(1) var picture: texture_2d<f32>;
@group(0) @binding(2) var arriving: texture_2d<f32>;
@group(0) @binding(3) var picture_sampler: sampler;

struct VertexOutput {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
}

// A triangle strip of four vertices: (0, 0), (1, 0), (0, 1), (1, 1).
@vertex
fn vertex(@builtin(vertex_index) index: u32) -> VertexOutput {
    let corner = vec2<f32>(f32(index & 1u), f32(index >> 1u));
    let on_canvas = mix(placement.rect.xy, placement.rect.zw, corner) - vec2(0.5);
    let at = mat2x2<f32>(placement.turn.xz, placement.turn.yw) * on_canvas + vec2(0.5);
    var out: VertexOutput;
    out.position = vec4(at.x * 2.0 - 1.0, 1.0 - at.y * 2.0, 0.0, 1.0);
    out.uv = corner;
    return out;
}

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    return textureSample(picture, picture_sampler, in.uv);
}

// Mixed in linear light, as blending into an sRGB target would: halfway is 188, not 128.
@fragment
fn crossfade(in: VertexOutput) -> @location(0) vec4<f32> {
    let leaving = textureSample(picture, picture_sampler, in.uv);
    let coming = textureSample(arriving, picture_sampler, in.uv);
    return mix(leaving, coming, placement.progress.x);
}
