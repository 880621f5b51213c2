//! One decoded frame, as GStreamer handed it over: its planes are read in place at upload.

use crate::core::video::{YuvMatrix, YuvRange, yuv_to_rgb};
use gstreamer as gst;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;

/// How a frame's samples lie in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    /// A Y plane, then one plane of interleaved U and V at half size (hardware decoders).
    Nv12,
    /// Y, U and V planes, U and V at half size (software decoders).
    I420,
    /// Red, green, blue and a spare byte per pixel, non-linear (converted by GStreamer).
    Rgba,
}

/// One plane of a frame: `rows` rows of `stride` bytes, each `width` texels of `texel_bytes`.
pub struct Plane<'a> {
    pub data: &'a [u8],
    pub stride: u32,
    pub width: u32,
    pub rows: u32,
    pub texel_bytes: u32,
}

/// A decoded frame. Cloning it is cheap: the pixels are GStreamer's, counted by reference.
#[derive(Clone)]
pub struct Frame {
    sample: gst::Sample,
    info: gst_video::VideoInfo,
    layout: Layout,
}

impl Frame {
    pub(super) fn from_sample(sample: gst::Sample) -> Option<Frame> {
        let info = gst_video::VideoInfo::from_caps(sample.caps()?).ok()?;
        let layout = match info.format() {
            gst_video::VideoFormat::Nv12 => Layout::Nv12,
            gst_video::VideoFormat::I420 => Layout::I420,
            gst_video::VideoFormat::Rgba => Layout::Rgba,
            _ => return None,
        };
        Some(Frame {
            sample,
            info,
            layout,
        })
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The size of the decoded picture, in samples.
    pub fn size(&self) -> (u32, u32) {
        (self.info.width(), self.info.height())
    }

    /// Where in the video this frame is, in seconds from its start (each loop starts again at 0):
    /// what the subtitles are timed to.
    pub fn seconds(&self) -> Option<f64> {
        let pts = self.sample.buffer()?.pts()?;
        let segment = self.sample.segment()?.downcast_ref::<gst::ClockTime>()?;
        let at = segment.to_stream_time(pts).unwrap_or(pts);
        Some(at.nseconds() as f64 / 1e9)
    }

    /// The size it is meant to be seen at, in square pixels (anamorphic video is wider).
    pub fn display_size(&self) -> (u32, u32) {
        let par = self.info.par();
        let (width, height) = self.size();
        if par.numer() > 0 && par.denom() > 0 && par.numer() != par.denom() {
            let wide = u64::from(width) * par.numer() as u64 / par.denom() as u64;
            (wide.max(1) as u32, height)
        } else {
            (width, height)
        }
    }

    /// The matrix taking this frame's YUV samples to R'G'B' ([`yuv_to_rgb`]).
    pub fn to_rgb(&self) -> [[f32; 4]; 3] {
        let colorimetry = self.info.colorimetry();
        let matrix = match colorimetry.matrix() {
            gst_video::VideoColorMatrix::Bt709 => YuvMatrix::Bt709,
            gst_video::VideoColorMatrix::Bt2020 => YuvMatrix::Bt2020,
            _ => YuvMatrix::Bt601,
        };
        let range = match colorimetry.range() {
            gst_video::VideoColorRange::Range0_255 => YuvRange::Full,
            _ => YuvRange::Limited,
        };
        yuv_to_rgb(matrix, range)
    }

    /// Calls `upload` with the frame's planes, mapped for reading; `None` if they cannot be.
    pub fn with_planes<R>(&self, upload: impl FnOnce(&[Plane<'_>]) -> R) -> Option<R> {
        let buffer = self.sample.buffer()?;
        let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &self.info).ok()?;
        let (width, height) = self.size();
        let (half_width, half_height) = (width.div_ceil(2), height.div_ceil(2));
        let shapes: &[(u32, u32, u32)] = match self.layout {
            Layout::Nv12 => &[(width, height, 1), (half_width, half_height, 2)],
            Layout::I420 => &[
                (width, height, 1),
                (half_width, half_height, 1),
                (half_width, half_height, 1),
            ],
            Layout::Rgba => &[(width, height, 4)],
        };
        let strides = frame.plane_stride();
        let mut planes = Vec::with_capacity(shapes.len());
        for (index, &(width, rows, texel_bytes)) in shapes.iter().enumerate() {
            let data = frame.plane_data(index as u32).ok()?;
            let stride = u32::try_from(*strides.get(index)?).ok()?;
            // A plane shorter than its rows would be read past its end.
            if (data.len() as u64)
                < u64::from(stride) * u64::from(rows - 1) + u64::from(width * texel_bytes)
            {
                return None;
            }
            planes.push(Plane {
                data,
                stride,
                width,
                rows,
                texel_bytes,
            });
        }
        Some(upload(&planes))
    }
}
