//! The screen's furniture: which layout plays, where the slides go, the clock drawn once a
//! minute and the ticker's messages taking turns, each in its own region of the compositor.
//!
//! The clock and each ticker message are small pictures composed here when they change (a
//! clock once a minute, a message every few seconds), so a slide change never redraws them and
//! they never cost a frame of their own between changes.

use super::compositor::{FULL, Furniture, ScreenLayers};
use super::screen::{Canvas, Clock, NextFrame};
use super::slideshow::{Playlists, SlideTimer, compose, into_image};
use super::transition::{SOFTWARE_FPS, Transitions};
use crate::core::calendar::{ClockFace, Eras};
use crate::core::layout::{Layout, Rect, Regions};
use crate::core::library::Programme;
use crate::core::ticker::Paging;
use bevy::prelude::*;
use bevy::render::renderer::RenderAdapterInfo;
use bevy::window::RequestRedraw;
use wgpu_types::DeviceType;
use chrono::{NaiveDateTime, Timelike};

pub struct FurniturePlugin {
    /// The device's layout, for playlists that do not choose one.
    pub layout: Layout,
    pub eras: Eras,
    pub ticker_seconds: f64,
}

/// Where everything goes on the canvas now.
#[derive(Resource, Default)]
pub struct ScreenRegions {
    pub regions: Regions,
    pub canvas: UVec2,
}

impl ScreenRegions {
    /// The size slides are drawn at.
    pub fn slide_size(&self) -> UVec2 {
        UVec2::new(self.regions.main.width, self.regions.main.height)
    }
}

#[derive(Resource)]
struct FurnitureSettings {
    layout: Layout,
    eras: Eras,
    paging: Paging,
}

/// The pictures on screen now, and what each was drawn for.
#[derive(Resource, Default)]
struct FurniturePictures {
    clock: Option<((NaiveDateTime, Rect, bool), Handle<Image>)>,
    /// The message, its region, and its picture; the one before it while it fades out.
    ticker: Option<((String, Rect, bool), Handle<Image>)>,
    leaving_ticker: Option<Handle<Image>>,
}

impl Plugin for FurniturePlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(FurnitureSettings {
            layout: self.layout,
            eras: self.eras.clone(),
            paging: Paging::new(self.ticker_seconds),
        })
        .init_resource::<ScreenRegions>()
        .init_resource::<FurniturePictures>()
        .add_systems(Update, choose_regions.before(SlideTimer))
        .add_systems(Update, draw_furniture.after(Transitions));
    }
}

/// The layout while `programme` plays: an emergency and the idle screen (which has its own
/// clock) take the whole screen; otherwise the first playing playlist that chooses a layout, or
/// the device's.
pub fn layout_for(programme: &Programme, playlists: &Playlists, default: Layout) -> Layout {
    if programme.emergency || programme.playlists.is_empty() {
        return Layout::Full;
    }
    programme
        .playlists
        .iter()
        .filter_map(|id| playlists.library.get(id))
        .find_map(|entry| entry.playlist.layout)
        .unwrap_or(default)
}

fn choose_regions(
    canvas: Res<Canvas>,
    playlists: Res<Playlists>,
    settings: Res<FurnitureSettings>,
    mut regions: ResMut<ScreenRegions>,
    mut layers: ResMut<ScreenLayers>,
) {
    let now = chrono::Local::now().naive_local();
    let programme = playlists.library.programme_at(now);
    let layout = layout_for(&programme, &playlists, settings.layout);
    let size = canvas.pixels;
    let chosen = layout.regions(size.x, size.y);
    if regions.regions != chosen || regions.canvas != size {
        *regions = ScreenRegions {
            regions: chosen,
            canvas: size,
        };
    }
    let area = chosen.main.fractions(size.x.max(1), size.y.max(1));
    if layers.slide_area != area {
        layers.slide_area = if chosen.clock.is_none() && chosen.ticker.is_none() {
            FULL
        } else {
            area
        };
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_furniture(
    regions: Res<ScreenRegions>,
    playlists: Res<Playlists>,
    settings: Res<FurnitureSettings>,
    clock: Res<Clock>,
    mut drawn: ResMut<FurniturePictures>,
    mut layers: ResMut<ScreenLayers>,
    mut images: ResMut<Assets<Image>>,
    mut next_frame: ResMut<NextFrame>,
    mut redraw: MessageWriter<RequestRedraw>,
    adapter: Option<Res<RenderAdapterInfo>>,
) {
    // A software renderer spends tens of milliseconds of CPU on every frame: a fade there runs
    // at the transitions' pace, not as fast as frames come.
    let software = adapter.is_some_and(|a| a.device_type == DeviceType::Cpu);
    let size = regions.canvas;
    let fraction = |rect: Rect| rect.fractions(size.x.max(1), size.y.max(1));
    let stacked = regions.regions.stacked;
    let mut furniture = Vec::with_capacity(2);
    let now = chrono::Local::now().naive_local();

    match regions.regions.clock {
        Some(rect) => {
            let minute = now
                .with_second(0)
                .and_then(|t| t.with_nanosecond(0))
                .unwrap_or(now);
            let key = (minute, rect, stacked);
            if drawn
                .clock
                .as_ref()
                .is_none_or(|(drawn_for, _)| *drawn_for != key)
            {
                let face = ClockFace::at(minute, &settings.eras);
                let picture = compose(|c| c.clock(&face, rect.width, rect.height, stacked));
                drawn.clock = Some((key, images.add(into_image(picture))));
                redraw.write(RequestRedraw);
            }
            next_frame.within(&clock, 60.0 - f64::from(now.second()));
            if let Some((_, picture)) = &drawn.clock {
                furniture.push(Furniture {
                    picture: picture.clone(),
                    rect: fraction(rect),
                    fading_from: None,
                });
            }
        }
        None => drawn.clock = None,
    }

    let programme = playlists.library.programme_at(now);
    let messages = playlists.library.ticker_messages(&programme);
    let page = settings.paging.page_at(messages.len(), clock.seconds());
    match (regions.regions.ticker, page) {
        (Some(rect), Some(page)) => {
            let key = (messages[page.index].clone(), rect, stacked);
            if drawn
                .ticker
                .as_ref()
                .is_none_or(|(drawn_for, _)| *drawn_for != key)
            {
                let picture = compose(|c| c.ticker_page(&key.0, rect.width, rect.height, stacked));
                for warning in &picture.warnings {
                    warn!("{warning}");
                }
                let picture = images.add(into_image(picture));
                // A message taking its turn fades in over the last; a resize or an edit cuts.
                let turned = drawn
                    .ticker
                    .as_ref()
                    .is_some_and(|((_, r, _), _)| *r == rect)
                    && page.fading_from.is_some();
                let previous = drawn.ticker.replace((key, picture)).map(|(_, p)| p);
                drawn.leaving_ticker = previous.filter(|_| turned);
                redraw.write(RequestRedraw);
            }
            let fading = page.fading_from.and_then(|(_, progress)| {
                Some((
                    drawn.leaving_ticker.clone()?,
                    progress * progress * (3.0 - 2.0 * progress),
                ))
            });
            if fading.is_some() {
                if software {
                    next_frame.within(&clock, 1.0 / SOFTWARE_FPS);
                } else {
                    redraw.write(RequestRedraw);
                }
            } else {
                drawn.leaving_ticker = None;
                next_frame.within(&clock, page.next_change_in);
            }
            if let Some((_, picture)) = &drawn.ticker {
                furniture.push(Furniture {
                    picture: picture.clone(),
                    rect: fraction(rect),
                    fading_from: fading,
                });
            }
        }
        (Some(rect), None) => {
            // A band with nothing to say is a quiet band, not a hole in the screen.
            let key = (String::new(), rect, stacked);
            if drawn
                .ticker
                .as_ref()
                .is_none_or(|(drawn_for, _)| *drawn_for != key)
            {
                let picture = compose(|c| c.ticker_page("", rect.width, rect.height, stacked));
                drawn.ticker = Some((key, images.add(into_image(picture))));
                drawn.leaving_ticker = None;
                redraw.write(RequestRedraw);
            }
            if let Some((_, picture)) = &drawn.ticker {
                furniture.push(Furniture {
                    picture: picture.clone(),
                    rect: fraction(rect),
                    fading_from: None,
                });
            }
        }
        (None, _) => {
            drawn.ticker = None;
            drawn.leaving_ticker = None;
        }
    }
    let changed = furniture.len() != layers.furniture.len()
        || furniture.iter().zip(&layers.furniture).any(|(a, b)| {
            a.picture != b.picture
                || a.rect != b.rect
                || a.fading_from.as_ref().map(|(p, f)| (p.id(), *f))
                    != b.fading_from.as_ref().map(|(p, f)| (p.id(), *f))
        });
    if changed {
        layers.furniture = furniture;
    }
}
