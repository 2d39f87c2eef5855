//! Credentials in a NATS URL (`nats://user:password@host:4222`, `nats://token@host`, or a
//! comma-separated list of servers): the client does not read them from the URL, so they are
//! taken out and sent as connect options; everywhere the URL is shown they read `***`.

/// How a client proves who it is, as the URL says.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Credentials {
    /// `nats://user:password@host`.
    UserPassword(String, String),
    /// `nats://token@host`.
    Token(String),
}

/// Where one server URL's user information starts and where its `@` stands, if it has any.
fn userinfo(one: &str) -> Option<(usize, usize)> {
    let start = one.find("://").map_or(0, |scheme| scheme + 3);
    one[start..].rfind('@').map(|at| (start, start + at))
}

/// Each server of `url` with its `userinfo@` replaced by `replace(userinfo)`.
fn each_server(url: &str, mut replace: impl FnMut(&str) -> String) -> String {
    url.split(',')
        .map(|one| match userinfo(one) {
            Some((start, at)) => {
                format!(
                    "{}{}{}",
                    &one[..start],
                    replace(&one[start..at]),
                    &one[at + 1..]
                )
            }
            None => one.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `url` with any credentials replaced by `***`, for logs and error messages.
pub fn redacted_url(url: &str) -> String {
    each_server(url, |_| "***@".to_owned())
}

/// `url` without credentials, and the first credentials it carried.
pub(crate) fn split_credentials(url: &str) -> (String, Option<Credentials>) {
    let mut credentials = None;
    let bare = each_server(url, |userinfo| {
        credentials.get_or_insert_with(|| match userinfo.split_once(':') {
            Some((user, password)) => {
                Credentials::UserPassword(user.to_owned(), password.to_owned())
            }
            None => Credentials::Token(userinfo.to_owned()),
        });
        String::new()
    });
    (bare, credentials)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_taken_out_of_every_server_and_never_shown() {
        let url = "nats://arca:s3cret@nats-1:4222,nats://arca:s3cret@nats-2:4222";
        assert_eq!(
            redacted_url(url),
            "nats://***@nats-1:4222,nats://***@nats-2:4222"
        );
        assert_eq!(
            split_credentials(url),
            (
                "nats://nats-1:4222,nats://nats-2:4222".to_owned(),
                Some(Credentials::UserPassword("arca".into(), "s3cret".into()))
            )
        );
        assert_eq!(
            split_credentials("nats://t0ken@127.0.0.1:4222"),
            (
                "nats://127.0.0.1:4222".to_owned(),
                Some(Credentials::Token("t0ken".into()))
            )
        );
        let open = "nats://127.0.0.1:4222";
        assert_eq!(redacted_url(open), open);
        assert_eq!(split_credentials(open), (open.to_owned(), None));
    }
}
