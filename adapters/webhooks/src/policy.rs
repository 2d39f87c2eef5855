//! Which addresses a webhook may be sent to: public unicast only, unless a configured CIDR
//! allow-list says otherwise (tests and on-premises receivers).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// A configured allow-list entry that is not a CIDR or an address.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("webhook_allow_cidrs: `{0}` is not a CIDR such as 127.0.0.0/8 or an address")]
pub struct PolicyError(pub String);

/// IPv4 ranges that are not public unicast (RFC 6890 and its updates).
const BLOCKED_V4: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network"
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // carrier-grade NAT
    (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local, cloud metadata
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation TEST-NET-1
    (Ipv4Addr::new(192, 88, 99, 0), 24),  // 6to4 relay anycast
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation TEST-NET-2
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation TEST-NET-3
    (Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, and 255.255.255.255 broadcast
];

/// The only IPv6 space allocated for global unicast (IANA); any address outside it that does not
/// stand for an IPv4 address (see [`embedded_v4`]) is refused: `::ffff:0:a.b.c.d` (IPv4-translated),
/// the rest of `::/8`, and every reserved block.
const GLOBAL_UNICAST_V6: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3);

/// IPv6 ranges that are not public unicast. Forms embedding an IPv4 address are checked through
/// that address instead (see [`embedded_v4`]).
const BLOCKED_V6: &[(Ipv6Addr, u8)] = &[
    (Ipv6Addr::UNSPECIFIED, 128),
    (Ipv6Addr::LOCALHOST, 128),
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96), // IPv4-compatible (deprecated)
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48), // local-use NAT64
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64), // discard-only
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23), // IETF protocol assignments, Teredo
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20), // documentation (RFC 9637)
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7), // unique local
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10), // link-local
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10), // site-local (deprecated)
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8), // multicast
];

fn in_v4(ip: Ipv4Addr, (net, len): (Ipv4Addr, u8)) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(net) & mask
}

fn in_v6(ip: Ipv6Addr, (net, len): (Ipv6Addr, u8)) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(net) & mask
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped `::ffff:a.b.c.d`, NAT64
/// `64:ff9b::a.b.c.d` and 6to4 `2002:aabb:ccdd::/48`.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let o = ip.octets();
    let seg = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    if in_v6(ip, (Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96)) {
        return Some(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
    }
    if seg[0] == 0x2002 {
        return Some(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    None
}

/// True for public unicast addresses, the only ones a webhook goes to by default.
#[must_use]
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !BLOCKED_V4.iter().any(|&net| in_v4(v4, net)),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => in_v6(v6, GLOBAL_UNICAST_V6) && !BLOCKED_V6.iter().any(|&net| in_v6(v6, net)),
        },
    }
}

/// Public addresses (unless [`AddressPolicy::without_public`]), plus whatever the allow-list
/// names.
#[derive(Debug, Clone)]
pub struct AddressPolicy {
    allow: Vec<IpNet>,
    public: bool,
}

impl Default for AddressPolicy {
    fn default() -> Self {
        Self {
            allow: Vec::new(),
            public: true,
        }
    }
}

impl AddressPolicy {
    /// Public unicast only.
    #[must_use]
    pub fn public_only() -> Self {
        Self::default()
    }

    /// Public unicast plus `cidrs` (each a CIDR or a bare address). A non-empty allow-list is
    /// logged as a warning, since it opens the client to internal networks.
    ///
    /// # Errors
    /// [`PolicyError`] naming the first entry that does not parse.
    pub fn with_allow_list<S: AsRef<str>>(cidrs: &[S]) -> Result<Self, PolicyError> {
        let allow = cidrs
            .iter()
            .map(|text| {
                let text = text.as_ref().trim();
                text.parse::<IpNet>()
                    .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| PolicyError(text.to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !allow.is_empty() {
            let list: Vec<String> = allow.iter().map(ToString::to_string).collect();
            tracing::warn!(
                allow_cidrs = %list.join(","),
                "WEBHOOK SSRF GUARD RELAXED: webhooks may be delivered to these non-public \
                 networks; use only for tests or on-premises receivers"
            );
        }
        Ok(Self {
            allow,
            public: true,
        })
    }

    /// The same policy refusing public addresses: only the allow-list is reachable (a fuzzing
    /// run whose webhooks must never leave the machine).
    #[must_use]
    pub fn without_public(self) -> Self {
        Self {
            public: false,
            ..self
        }
    }

    /// Whether a webhook may connect to `ip`.
    #[must_use]
    pub fn is_allowed(&self, ip: IpAddr) -> bool {
        let canonical = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            IpAddr::V4(_) => ip,
        };
        (self.public && is_public(canonical))
            || self
                .allow
                .iter()
                .any(|net| net.contains(&ip) || net.contains(&canonical))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("test address")
    }

    #[test]
    fn without_public_addresses_only_the_allow_list_is_reachable() {
        let policy = AddressPolicy::with_allow_list(&["127.0.0.0/8"])
            .expect("allow-list")
            .without_public();
        assert!(policy.is_allowed(ip("127.0.0.1")));
        assert!(policy.is_allowed(ip("::ffff:127.0.0.1")));
        for refused in ["8.8.8.8", "2606:4700::1111", "10.0.0.1", "::1"] {
            assert!(!policy.is_allowed(ip(refused)), "{refused} must be refused");
        }
        assert!(AddressPolicy::public_only().is_allowed(ip("8.8.8.8")));
    }

    #[test]
    fn refuses_every_non_public_range_including_mapped_and_embedded_forms() {
        let policy = AddressPolicy::public_only();
        for refused in [
            "0.0.0.0",
            "0.1.2.3",
            "10.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.9.9.9",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b:1::1",
            "2002:0a00:0001::1",
            "2002:7f00:0001::1",
            "2001:db8::1",
            "2001::1",
            "3fff::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "100::1",
        ] {
            assert!(!policy.is_allowed(ip(refused)), "{refused} must be refused");
        }
        for allowed in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "192.0.3.1",
            "198.20.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:0808:0808::1",
        ] {
            assert!(policy.is_allowed(ip(allowed)), "{allowed} is public");
        }
    }

    #[test]
    fn refuses_ipv6_outside_global_unicast_whatever_it_embeds() {
        let policy = AddressPolicy::public_only();
        for refused in [
            // IPv4-translated (SIIT, RFC 6052's ::ffff:0:0/96), private and public alike.
            "::ffff:0:127.0.0.1",
            "::ffff:0:10.0.0.1",
            "::ffff:0:169.254.169.254",
            "::ffff:0:8.8.8.8",
            // Reserved space around the embedded forms, and outside 2000::/3.
            "::1:0:0:1",
            "::ffff:1:7f00:1",
            "0:0:0:1::7f00:1",
            "4000::1",
            "8000::1",
            "e000::1",
        ] {
            assert!(!policy.is_allowed(ip(refused)), "{refused} must be refused");
        }
    }

    #[test]
    fn the_allow_list_opens_exactly_its_networks() {
        let policy = AddressPolicy::with_allow_list(&["127.0.0.0/8", "::1", "10.1.0.0/16"])
            .expect("valid list");
        assert!(policy.is_allowed(ip("127.0.0.1")));
        assert!(policy.is_allowed(ip("::ffff:127.0.0.1")));
        assert!(policy.is_allowed(ip("::1")));
        assert!(policy.is_allowed(ip("10.1.200.3")));
        assert!(!policy.is_allowed(ip("10.2.0.1")));
        assert!(!policy.is_allowed(ip("169.254.169.254")));
        assert_eq!(
            AddressPolicy::with_allow_list(&["localhost"]).map(|_| ()),
            Err(PolicyError("localhost".into()))
        );
    }
}
