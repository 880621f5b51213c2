//! The screen's furniture: which layout plays, where the slides go, the clock drawn once a
//! minute and the ticker's messages, each in its own region of the compositor.
//!
//! The clock and each ticker message are small pictures composed here when they change (a
//! clock once a minute, a message when its turn comes or as it crawls in), so a slide change
//! never redraws them. Paged, the ticker costs a frame only when a message changes; crawling,
//! it costs a frame every vsync while the band is on screen, which only a GPU affords.

use super::compositor::{Furniture, ScreenLayers};
use super::screen::{Canvas, Clock, NextFrame};
use super::slideshow::{Playlists, SlideTimer, compose, into_image};
use super::transition::{SOFTWARE_FPS, Transitions};
use crate::compose::quiz::attract_band_height;
use crate::core::calendar::{ClockFace, Eras};
use crate::core::layout::{Layout, Rect, Regions};
use crate::core::library::Programme;
use crate::core::ticker::{Crawl, Paging, TickerMode};
use bevy::prelude::*;
use bevy::render::renderer::RenderAdapterInfo;
use bevy::window::RequestRedraw;
use chrono::{NaiveDateTime, Timelike};
use std::collections::HashMap;

pub struct FurniturePlugin {
    /// The device's layout, for playlists that do not choose one.
    pub layout: Layout,
    pub eras: Eras,
    pub ticker: TickerSettings,
    /// On a tablet: the attract loop's band lies along the bottom, and slides go above it.
    pub attract_band: bool,
}

/// How the ticker shows its messages, from the device config.
#[derive(Clone, Copy, Debug)]
pub struct TickerSettings {
    pub mode: TickerMode,
    /// A paged message's turn.
    pub page_seconds: f64,
    /// A crawl's speed, in characters (of the band's type size) a second.
    pub characters_per_second: f64,
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
    ticker: TickerSettings,
    paging: Paging,
    attract_band: bool,
}

/// The pictures on screen now, and what each was drawn for.
#[derive(Resource, Default)]
struct FurniturePictures {
    clock: Option<((NaiveDateTime, Rect, bool), Handle<Image>)>,
    /// The message, its region, and its picture; the one before it while it fades out.
    ticker: Option<((String, Rect, bool), Handle<Image>)>,
    leaving_ticker: Option<Handle<Image>>,
    crawl: Option<Crawling>,
}

/// A crawl under way: for which messages and region, since when, and the pictures of the
/// messages in sight (and the next one), cut into tiles.
struct Crawling {
    messages: Vec<String>,
    region: Rect,
    since: f64,
    crawl: Crawl,
    background: Handle<Image>,
    lines: HashMap<usize, Vec<(u32, Handle<Image>)>>,
}

impl Plugin for FurniturePlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(FurnitureSettings {
            layout: self.layout,
            eras: self.eras.clone(),
            ticker: self.ticker,
            paging: Paging::new(self.ticker.page_seconds),
            attract_band: self.attract_band,
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
fn layout_for(programme: &Programme, playlists: &Playlists, default: Layout) -> Layout {
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
    let mut chosen = layout.regions(size.x, size.y);
    if settings.attract_band {
        // The slide ends where the band begins, as it does above a ticker's band.
        let band_top = size.y.saturating_sub(attract_band_height(size.x, size.y));
        let main = &mut chosen.main;
        main.height = main.height.min(band_top.saturating_sub(main.y)).max(1);
    }
    if regions.regions != chosen || regions.canvas != size {
        *regions = ScreenRegions {
            regions: chosen,
            canvas: size,
        };
    }
    let area = chosen.main.fractions(size.x.max(1), size.y.max(1));
    if layers.slide_area != area {
        layers.slide_area = area;
    }
}

/// What a furniture system needs to add pictures and ask for frames.
struct Frames<'a, 'w> {
    images: &'a mut Assets<Image>,
    next_frame: &'a mut NextFrame,
    redraw: &'a mut MessageWriter<'w, RequestRedraw>,
    clock: &'a Clock,
    /// A software renderer spends tens of milliseconds of CPU on every frame: frames of a fade
    /// or a crawl there come at the transitions' pace, not as fast as they can.
    software: bool,
    canvas: UVec2,
}

impl Frames<'_, '_> {
    fn add(&mut self, picture: crate::compose::Picture) -> Handle<Image> {
        self.images.add(into_image(picture))
    }

    /// Asks for the next frame of a moving picture.
    fn keep_moving(&mut self) {
        if self.software {
            self.next_frame.within(self.clock, 1.0 / SOFTWARE_FPS);
        } else {
            self.redraw.write(RequestRedraw);
        }
    }

    fn place(&self, rect: Rect, picture: Handle<Image>) -> Furniture {
        Furniture {
            picture,
            rect: rect.fractions(self.canvas.x.max(1), self.canvas.y.max(1)),
            fading_from: None,
        }
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
    let mut frames = Frames {
        images: &mut images,
        next_frame: &mut next_frame,
        redraw: &mut redraw,
        clock: &clock,
        software: super::screen::software_renderer(adapter.as_deref()),
        canvas: regions.canvas,
    };
    let stacked = regions.regions.stacked;
    let now = chrono::Local::now().naive_local();
    let programme = playlists.library.programme_at(now);
    let messages = playlists.library.ticker_messages(&programme);
    // A crawl runs along a band; a column pages. `Auto` crawls only where frames are cheap.
    let crawls = !stacked
        && match settings.ticker.mode {
            TickerMode::Scroll => true,
            TickerMode::Pages => false,
            TickerMode::Auto => !frames.software,
        };
    // The ticker first: a crawling message runs on under the clock, which covers it.
    let mut furniture = match regions.regions.ticker {
        Some(rect) if crawls && !messages.is_empty() => {
            drawn.ticker = None;
            drawn.leaving_ticker = None;
            crawl(&mut drawn, &mut frames, rect, messages, &settings.ticker)
        }
        Some(rect) => {
            drawn.crawl = None;
            pages(
                &mut drawn,
                &mut frames,
                rect,
                &messages,
                stacked,
                &settings.paging,
            )
        }
        None => {
            (drawn.ticker, drawn.leaving_ticker, drawn.crawl) = (None, None, None);
            Vec::new()
        }
    };
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
                drawn.clock = Some((key, frames.add(picture)));
                frames.redraw.write(RequestRedraw);
            }
            frames
                .next_frame
                .within(&clock, 60.0 - f64::from(now.second()));
            if let Some((_, picture)) = &drawn.clock {
                furniture.push(frames.place(rect, picture.clone()));
            }
        }
        None => drawn.clock = None,
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

/// One message at a time, each for its turn, fading in over the one before.
fn pages(
    drawn: &mut FurniturePictures,
    frames: &mut Frames,
    rect: Rect,
    messages: &[String],
    stacked: bool,
    paging: &Paging,
) -> Vec<Furniture> {
    let page = paging.page_at(messages.len(), frames.clock.seconds());
    // A band with nothing to say is a quiet band, not a hole in the screen.
    let message = page.map_or("", |p| messages[p.index].as_str());
    let key = (message.to_string(), rect, stacked);
    if drawn
        .ticker
        .as_ref()
        .is_none_or(|(drawn_for, _)| *drawn_for != key)
    {
        let picture = compose(|c| c.ticker_page(message, rect.width, rect.height, stacked));
        for warning in &picture.warnings {
            warn!("{warning}");
        }
        let picture = frames.add(picture);
        // A message taking its turn fades in over the last; a resize or an edit cuts.
        let turned = drawn
            .ticker
            .as_ref()
            .is_some_and(|((_, r, _), _)| *r == rect)
            && page.is_some_and(|p| p.fading_from.is_some());
        let previous = drawn.ticker.replace((key, picture)).map(|(_, p)| p);
        drawn.leaving_ticker = previous.filter(|_| turned);
        frames.redraw.write(RequestRedraw);
    }
    let fading = page.and_then(|p| p.fading_from).and_then(|(_, progress)| {
        let eased = progress * progress * (3.0 - 2.0 * progress);
        Some((drawn.leaving_ticker.clone()?, eased))
    });
    if fading.is_some() {
        frames.keep_moving();
    } else {
        drawn.leaving_ticker = None;
        if let Some(page) = page {
            frames.next_frame.within(frames.clock, page.next_change_in);
        }
    }
    let Some((_, picture)) = &drawn.ticker else {
        return Vec::new();
    };
    vec![Furniture {
        fading_from: fading,
        ..frames.place(rect, picture.clone())
    }]
}

/// Every message crawling from right to left in whole pixels: the band's colour, then the tiles
/// of each message in sight where the crawl has them.
fn crawl(
    drawn: &mut FurniturePictures,
    frames: &mut Frames,
    rect: Rect,
    messages: Vec<String>,
    settings: &TickerSettings,
) -> Vec<Furniture> {
    let stale = drawn
        .crawl
        .as_ref()
        .is_none_or(|c| c.messages != messages || c.region != rect);
    if stale {
        let size = crate::compose::ticker_type_size(rect.height);
        let widths = compose(|c| {
            messages
                .iter()
                .map(|m| c.ticker_line_width(m, rect.height))
                .collect()
        });
        let background = compose(|c| c.ticker_page("", rect.width, rect.height, false));
        drawn.crawl = Some(Crawling {
            crawl: Crawl {
                widths,
                gap: (size * 3.0) as u32,
                speed: settings.characters_per_second * f64::from(size),
            },
            messages,
            region: rect,
            since: frames.clock.seconds(),
            background: frames.add(background),
            lines: HashMap::new(),
        });
    }
    let Some(crawling) = drawn.crawl.as_mut() else {
        return Vec::new();
    };
    let shown = crawling
        .crawl
        .visible(rect.width, frames.clock.seconds() - crawling.since);
    // The message after the last in sight is drawn before it enters, so entering costs nothing.
    let count = crawling.messages.len();
    let next = shown.last().map_or(0, |(index, _)| (index + 1) % count);
    let wanted: Vec<usize> = shown.iter().map(|(i, _)| *i).chain([next]).collect();
    crawling.lines.retain(|index, _| wanted.contains(index));
    for index in &wanted {
        if !crawling.lines.contains_key(index) {
            let tiles = compose(|c| c.ticker_line(&crawling.messages[*index], rect.height));
            let mut left = 0;
            let placed = tiles
                .into_iter()
                .map(|tile| {
                    let at = left;
                    left += tile.width;
                    (at, frames.add(tile))
                })
                .collect();
            crawling.lines.insert(*index, placed);
        }
    }
    let mut furniture = vec![frames.place(rect, crawling.background.clone())];
    for (index, left) in shown {
        for (offset, tile) in &crawling.lines[&index] {
            let Some(image) = frames.images.get(tile) else {
                continue;
            };
            let x = i64::from(rect.x) + left + i64::from(*offset);
            let width = image.width();
            // A tile out to the left is off the canvas; out to the right, the clock covers it.
            if x + i64::from(width) > i64::from(rect.x) && x < i64::from(rect.x + rect.width) {
                furniture.push(Furniture {
                    picture: tile.clone(),
                    rect: span(x, width, rect, frames.canvas),
                    fading_from: None,
                });
            }
        }
    }
    frames.keep_moving();
    furniture
}

/// A tile `width` pixels wide whose left edge is `x` (which may be left of the canvas), over the
/// rows of `region`, as fractions of the canvas.
fn span(x: i64, width: u32, region: Rect, canvas: UVec2) -> [f32; 4] {
    let (w, h) = (canvas.x.max(1) as f32, canvas.y.max(1) as f32);
    [
        x as f32 / w,
        region.y as f32 / h,
        (x + i64::from(width)) as f32 / w,
        (region.y + region.height) as f32 / h,
    ]
}
