//! Who the status endpoint serves when many ask at once: connection slots per peer and a request
//! rate per peer, so one client on the LAN (or a stuck script) cannot lock staff and Prometheus
//! out. Time is a parameter, in seconds.

use std::collections::HashMap;
use std::net::IpAddr;

/// Connections one peer on the network may hold at once (a browser opens six).
pub const PEER_CONNECTIONS: usize = 8;
/// Connections one loopback address may hold: local tools and the tests run many at once.
pub const LOOPBACK_CONNECTIONS: usize = 32;
/// Connections all network peers together may hold; loopback and Prometheus come on top.
pub const NETWORK_CONNECTIONS: usize = 64;
/// Requests a second a network peer may make on average, and in a burst (a staff page and its
/// thumbnails).
pub const REQUESTS_PER_SECOND: f64 = 10.0;
pub const REQUEST_BURST: f64 = 40.0;

/// Who has which connection slots.
#[derive(Debug, Default)]
pub struct Slots {
    /// Every address other than `reserved`'s, with its open connections.
    open: HashMap<IpAddr, usize>,
    network: usize,
    /// The Prometheus server's address: its own slots, never counted with the network's.
    prometheus: Option<IpAddr>,
}

impl Slots {
    pub fn new(prometheus: Option<IpAddr>) -> Slots {
        Slots {
            prometheus: prometheus.map(|ip| ip.to_canonical()),
            ..Slots::default()
        }
    }

    /// Takes a slot for a new connection from `peer`, or says no (the connection is closed).
    pub fn take(&mut self, peer: IpAddr) -> bool {
        let peer = peer.to_canonical();
        let pooled = self.pooled(peer);
        let limit = if peer.is_loopback() {
            LOOPBACK_CONNECTIONS
        } else {
            PEER_CONNECTIONS
        };
        let open = self.open.entry(peer).or_default();
        if *open >= limit || (pooled && self.network >= NETWORK_CONNECTIONS) {
            if *open == 0 {
                self.open.remove(&peer);
            }
            return false;
        }
        *open += 1;
        if pooled {
            self.network += 1;
        }
        true
    }

    /// Gives back the slot of a connection from `peer` that ended.
    pub fn give_back(&mut self, peer: IpAddr) {
        let peer = peer.to_canonical();
        if let Some(open) = self.open.get_mut(&peer) {
            *open -= 1;
            if *open == 0 {
                self.open.remove(&peer);
            }
            if self.pooled(peer) {
                self.network -= 1;
            }
        }
    }

    /// Whether `peer` draws on the network's shared slots.
    fn pooled(&self, peer: IpAddr) -> bool {
        !peer.is_loopback() && Some(peer) != self.prometheus
    }
}

/// Requests per peer off loopback: a bucket of `REQUEST_BURST` that refills at
/// `REQUESTS_PER_SECOND`.
#[derive(Debug, Default)]
pub struct RequestRates {
    buckets: HashMap<IpAddr, (f64, f64)>,
    prometheus: Option<IpAddr>,
}

impl RequestRates {
    pub fn new(prometheus: Option<IpAddr>) -> RequestRates {
        RequestRates {
            prometheus: prometheus.map(|ip| ip.to_canonical()),
            ..RequestRates::default()
        }
    }

    /// Whether a request from `peer` at `now` is answered (otherwise: 429, try again later).
    pub fn allow(&mut self, peer: IpAddr, now: f64) -> bool {
        let peer = peer.to_canonical();
        if peer.is_loopback() || Some(peer) == self.prometheus {
            return true;
        }
        // Full buckets are forgotten, so the map holds only peers that asked lately.
        if self.buckets.len() > 1024 {
            self.buckets
                .retain(|_, (level, at)| refill(*level, *at, now) < REQUEST_BURST);
        }
        let (level, at) = self.buckets.entry(peer).or_insert((REQUEST_BURST, now));
        *level = refill(*level, *at, now);
        *at = now;
        if *level >= 1.0 {
            *level -= 1.0;
            true
        } else {
            false
        }
    }
}

fn refill(level: f64, at: f64, now: f64) -> f64 {
    (level + (now - at).max(0.0) * REQUESTS_PER_SECOND).min(REQUEST_BURST)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn one_peer_cannot_take_the_slots_of_another_loopback_or_prometheus() {
        let mut slots = Slots::new(Some(ip("192.168.1.9")));
        let greedy = ip("192.168.1.50");
        assert_eq!(
            (0..300).filter(|_| slots.take(greedy)).count(),
            PEER_CONNECTIONS
        );
        // Many greedy peers fill the network's pool, and no more.
        let taken = (0..100)
            .map(|n| ip(&format!("10.0.0.{n}")))
            .map(|peer| (0..PEER_CONNECTIONS).filter(|_| slots.take(peer)).count())
            .sum::<usize>();
        assert_eq!(taken + PEER_CONNECTIONS, NETWORK_CONNECTIONS);
        assert!(!slots.take(ip("192.168.1.51")));
        // Loopback addresses each have their own, and Prometheus too.
        assert_eq!(
            (0..300).filter(|_| slots.take(ip("127.0.0.2"))).count(),
            LOOPBACK_CONNECTIONS
        );
        assert!(slots.take(ip("127.0.0.1")));
        assert!(slots.take(ip("::ffff:192.168.1.9")));
        // A connection that ends frees its slot.
        slots.give_back(greedy);
        assert!(slots.take(ip("192.168.1.51")));
        assert!(!slots.take(greedy));
    }

    #[test]
    fn a_peer_off_loopback_gets_a_burst_then_its_rate() {
        let mut rates = RequestRates::new(Some(ip("192.168.1.9")));
        let peer = ip("192.168.1.50");
        let burst = (0..100).filter(|_| rates.allow(peer, 0.0)).count();
        assert_eq!(burst, REQUEST_BURST as usize);
        assert!(!rates.allow(peer, 0.05));
        assert!(rates.allow(peer, 0.1 + 1e-9));
        // 1.1 s later, eleven more.
        let later = (0..100).filter(|_| rates.allow(peer, 1.2)).count();
        assert_eq!(later, 11);
        assert!((0..1000).all(|_| rates.allow(ip("127.0.0.1"), 0.0)));
        assert!((0..1000).all(|_| rates.allow(ip("192.168.1.9"), 0.0)));
        assert!(rates.allow(ip("192.168.1.51"), 1.2));
    }
}
