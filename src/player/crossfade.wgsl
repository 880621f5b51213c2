// One pass for a crossfade: both slides sampled and mixed per pixel, instead of two full-screen
// sprites blended one over the other (half the work on a software renderer).
#import bevy_sprite::mesh2d_vertex_output::VertexOutput

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> progress: f32;
@group(#{MATERIAL_BIND_GROUP}) @binding(1) var leaving_texture: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(2) var leaving_sampler: sampler;
@group(#{MATERIAL_BIND_GROUP}) @binding(3) var arriving_texture: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(4) var arriving_sampler: sampler;

@fragment
fn fragment(mesh: VertexOutput) -> @location(0) vec4<f32> {
    let leaving = textureSample(leaving_texture, leaving_sampler, mesh.uv);
    let arriving = textureSample(arriving_texture, arriving_sampler, mesh.uv);
    return vec4(mix(leaving.rgb, arriving.rgb, progress), 1.0);
}
