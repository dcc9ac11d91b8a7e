//! The IP family of an address, as `parsers/derive.py: ip_family` has it (the same
//! patterns, with the `regex` crate's Unicode `\d`, as Polars reads them): "ipv4",
//! "ipv6", or none (an unknown address, a unix socket path).

use regex::Regex;

pub struct Families {
    ipv4: Regex,
    mapped_tail: Regex,
    ipv6: Regex,
}

impl Families {
    pub fn new() -> Result<Families, regex::Error> {
        Ok(Families {
            ipv4: Regex::new(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")?,
            mapped_tail: Regex::new(r"\.\d+$")?,
            ipv6: Regex::new(r"^[0-9A-Fa-f:.]+$")?,
        })
    }

    pub fn of(&self, ip: &str) -> Option<&'static str> {
        let mapped = || ip.starts_with("::ffff:") && self.mapped_tail.is_match(ip);
        if self.ipv4.is_match(ip) || mapped() {
            Some("ipv4")
        } else if ip.contains(':') && self.ipv6.is_match(ip) {
            Some("ipv6")
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        let f = Families::new().expect("compiles");
        assert_eq!(f.of("192.0.2.1"), Some("ipv4"));
        assert_eq!(f.of("::ffff:192.0.2.1"), Some("ipv4"));
        assert_eq!(f.of("2001:db8::1"), Some("ipv6"));
        assert_eq!(f.of("\u{0661}.2.3.4"), Some("ipv4")); // Unicode \d, as Polars has it
        assert_eq!(f.of("private/smtp"), None);
        assert_eq!(f.of("1.2.3"), None);
    }
}
