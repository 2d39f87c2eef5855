//! The rules an endpoint URL must follow when a subscription is created or updated: an absolute
//! `https://` URL (`http://` only where the rules allow it, the simulator environment), with a
//! host and no user or password. Literal IP addresses in non-public ranges are the delivery
//! adapter's to refuse (its address policy also guards every connection after DNS).

/// What the deployment allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UrlRules {
    /// `http://` endpoints are accepted (the `sim` environment only).
    pub allow_http: bool,
}

/// Why a URL was refused: `(code, detail)` for the `url` field.
pub type UrlRefusal = (&'static str, String);

/// The normalised URL, or why it is refused (`invalid_url`: not an absolute URL with a host, or
/// it carries credentials; `webhook_url_not_allowed`: a scheme the deployment does not allow).
///
/// # Errors
/// The refusal's code and detail.
pub fn check_url(text: &str, rules: UrlRules) -> Result<String, UrlRefusal> {
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
    Ok(parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROD: UrlRules = UrlRules { allow_http: false };
    const SIM: UrlRules = UrlRules { allow_http: true };

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
}
