//! The rules an endpoint URL must follow when a subscription is created or updated: an absolute
//! `https://` URL (`http://` only where the rules allow it, the simulator environment), with a
//! host and no user or password, and — when written as a literal IP address — an address the
//! delivery adapter's policy lets webhooks reach. Host names are checked by that policy after
//! DNS, at every connection.

use std::net::IpAddr;
use std::sync::Arc;

/// Whether webhooks may go to an address (the delivery adapter's address policy).
pub type AddressCheck = Arc<dyn Fn(IpAddr) -> bool + Send + Sync>;

/// What the deployment allows.
#[derive(Clone, Default)]
pub struct UrlRules {
    /// `http://` endpoints are accepted (the `sim` environment only).
    pub allow_http: bool,
    /// Which literal addresses an endpoint may name; `None` takes any (delivery still checks).
    pub addresses: Option<AddressCheck>,
}

impl std::fmt::Debug for UrlRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UrlRules")
            .field("allow_http", &self.allow_http)
            .field("addresses", &self.addresses.as_ref().map(|_| "policy"))
            .finish()
    }
}

/// The longest URL accepted as written; normalised it stays within the subscription's limit.
pub const MAX_URL_INPUT: usize = 2000;

/// Why a URL was refused: `(code, detail)` for the `url` field.
pub type UrlRefusal = (&'static str, String);

/// The normalised URL, or why it is refused (`invalid_url`: not an absolute URL with a host, or
/// it carries credentials; `webhook_url_not_allowed`: a scheme the deployment does not allow, or
/// a literal address webhooks may not go to).
///
/// # Errors
/// The refusal's code and detail.
pub fn check_url(text: &str, rules: &UrlRules) -> Result<String, UrlRefusal> {
    if text.chars().count() > MAX_URL_INPUT {
        return Err((
            "invalid_url",
            format!("the url must have at most {MAX_URL_INPUT} characters"),
        ));
    }
    let parsed = ::url::Url::parse(text.trim())
        .map_err(|e| ("invalid_url", format!("not an absolute URL: {e}")))?;
    match parsed.scheme() {
        "https" => {}
        "http" if rules.allow_http => {}
        "http" => {
            return Err((
                "webhook_url_not_allowed",
                "endpoints must use https://".to_owned(),
            ));
        }
        other => {
            return Err((
                "webhook_url_not_allowed",
                format!("`{other}:` endpoints are not supported; use https://"),
            ));
        }
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(("invalid_url", "the URL has no host".to_owned()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err((
            "invalid_url",
            "the URL must not carry a user or password".to_owned(),
        ));
    }
    let literal = match parsed.host() {
        Some(::url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(::url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        _ => None,
    };
    if let (Some(ip), Some(allowed)) = (literal, &rules.addresses)
        && !allowed(ip)
    {
        return Err((
            "webhook_url_not_allowed",
            format!("{ip} is not a public address; webhooks go only to public addresses"),
        ));
    }
    Ok(parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROD: &UrlRules = &UrlRules {
        allow_http: false,
        addresses: None,
    };
    const SIM: &UrlRules = &UrlRules {
        allow_http: true,
        addresses: None,
    };

    #[test]
    fn accepts_https_and_normalises_it() {
        assert_eq!(
            check_url(" HTTPS://Hooks.Example.com/a?b=1 ", PROD).unwrap(),
            "https://hooks.example.com/a?b=1"
        );
    }

    #[test]
    fn http_is_allowed_only_where_the_rules_say() {
        assert_eq!(
            check_url("http://hooks.example.com/", PROD).unwrap_err().0,
            "webhook_url_not_allowed"
        );
        assert!(check_url("http://hooks.example.com/", SIM).is_ok());
    }

    #[test]
    fn refuses_relative_urls_credentials_and_other_schemes() {
        for (url, code) in [
            ("/hooks", "invalid_url"),
            ("hooks.example.com", "invalid_url"),
            ("https://user:pw@hooks.example.com/", "invalid_url"),
            ("https://user@hooks.example.com/", "invalid_url"),
            ("ftp://hooks.example.com/", "webhook_url_not_allowed"),
            ("file:///etc/passwd", "webhook_url_not_allowed"),
        ] {
            assert_eq!(check_url(url, SIM).unwrap_err().0, code, "{url}");
        }
    }

    #[test]
    fn a_literal_address_the_policy_refuses_is_refused_and_host_names_are_left_to_delivery() {
        let only_public = UrlRules {
            allow_http: true,
            addresses: Some(Arc::new(|ip: IpAddr| match ip {
                IpAddr::V4(v4) => !(v4.is_private() || v4.is_loopback()),
                IpAddr::V6(v6) => !v6.is_loopback(),
            })),
        };
        for url in [
            "https://10.1.2.3/hook",
            "http://127.0.0.1:9/hook",
            "https://[::1]/hook",
        ] {
            let (code, detail) = check_url(url, &only_public).unwrap_err();
            assert_eq!(code, "webhook_url_not_allowed", "{url}");
            assert!(detail.contains("not a public address"), "{detail}");
        }
        assert!(check_url("https://8.8.8.8/hook", &only_public).is_ok());
        assert!(check_url("https://localhost/hook", &only_public).is_ok());
        let allow_listed = UrlRules {
            allow_http: true,
            addresses: Some(Arc::new(|ip: IpAddr| ip.is_loopback())),
        };
        assert!(check_url("http://127.0.0.1:9/hook", &allow_listed).is_ok());
    }
}
