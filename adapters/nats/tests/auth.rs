//! A NATS server that requires authentication: the bus connects with the credentials in its URL,
//! is refused without them, and never repeats the password in an error or a `Debug` line.
//! The test starts its own `nats-server` (on PATH or in /usr/sbin, as `ops/` installs it) on a
//! free loopback port.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use anyhow::{Context as _, ensure};
use nats_bus::{Bus, BusConfig};
use uuid::Uuid;

const USER: &str = "arca";
const PASSWORD: &str = "s3cret-not-in-logs";

/// A nats-server with JetStream that only lets `USER`/`PASSWORD` in; killed on drop.
struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
}

fn binary() -> anyhow::Result<&'static str> {
    ["nats-server", "/usr/sbin/nats-server"]
        .into_iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok())
        .context("nats-server is not installed (ops/test installs it)")
}

impl Server {
    fn start() -> anyhow::Result<Self> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let dir = std::env::temp_dir().join(format!("arca-nats-auth-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir)?;
        let child = Command::new(binary()?)
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(&dir)
            .args(["--user", USER, "--pass", PASSWORD])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Ok(Self { child, port, dir })
    }

    /// A server that only lets in the holder of the user nkey `public`.
    fn start_with_nkey(public: &str) -> anyhow::Result<Self> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let dir = std::env::temp_dir().join(format!("arca-nats-nkey-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir)?;
        let conf = dir.join("server.conf");
        std::fs::write(
            &conf,
            format!(
                "listen: \"127.0.0.1:{port}\"\njetstream {{ store_dir: \"{}\" }}\n\
                 authorization {{ users = [ {{ nkey: \"{public}\" }} ] }}\n",
                dir.join("js").display()
            ),
        )?;
        let child = Command::new(binary()?)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Ok(Self { child, port, dir })
    }

    fn url(&self, credentials: &str) -> String {
        format!("nats://{credentials}127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn config(url: &str) -> BusConfig {
    let mut config = BusConfig::new(url, "AUTH_TEST", "authtest.events");
    config.timeout = Duration::from_secs(2);
    config
}

#[tokio::test]
async fn the_bus_authenticates_with_the_credentials_in_its_url() -> anyhow::Result<()> {
    let server = Server::start()?;
    let allowed = server.url(&format!("{USER}:{PASSWORD}@"));
    // The server takes a moment to listen.
    let mut bus = None;
    for _ in 0..50 {
        match Bus::connect(config(&allowed)).await {
            Ok(connected) => {
                bus = Some(connected);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let bus = bus.context("connecting with the right credentials")?;
    bus.ensure_stream().await?;
    ensure!(bus.last_sequence().await? == 0, "a new stream is empty");
    ensure!(
        !format!("{:?}", bus.config()).contains(PASSWORD),
        "Debug shows the password: {:?}",
        bus.config()
    );

    for refused in [
        server.url(""),
        server.url(&format!("{USER}:wrong-{PASSWORD}@")),
    ] {
        let error = match Bus::connect(config(&refused)).await {
            Ok(bus) => match bus.ensure_stream().await {
                Ok(()) => anyhow::bail!("{refused} was let in"),
                Err(error) => error,
            },
            Err(error) => error,
        };
        // As a log line shows it, with every cause.
        let text = infra::Causes(&error).to_string();
        ensure!(
            !text.contains(PASSWORD),
            "the error shows the password: {text}"
        );
    }
    Ok(())
}

/// Connects with `config`, retrying while the server starts.
async fn connected(config: &BusConfig) -> Option<Bus> {
    for _ in 0..50 {
        if let Ok(bus) = Bus::connect(config.clone()).await
            && bus.ensure_stream().await.is_ok()
        {
            return Some(bus);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

#[tokio::test]
async fn the_bus_authenticates_with_an_nkey_from_its_credentials_file() -> anyhow::Result<()> {
    let user = nkeys::KeyPair::new_user();
    let server = Server::start_with_nkey(&user.public_key())?;
    let seed_file = server.dir.join("user.nk");
    std::fs::write(&seed_file, format!("{}\n", user.seed()?))?;
    let mut with_key = config(&server.url(""));
    with_key.credentials_file = Some(seed_file.clone());
    let bus = connected(&with_key)
        .await
        .context("connecting with the nkey")?;
    ensure!(bus.last_sequence().await? == 0, "a new stream is empty");

    // Without it, or with another key, the server refuses.
    let stranger = server.dir.join("stranger.nk");
    std::fs::write(&stranger, nkeys::KeyPair::new_user().seed()?)?;
    for credentials in [None, Some(stranger)] {
        let mut refused = config(&server.url(""));
        refused.timeout = Duration::from_millis(500);
        refused.credentials_file = credentials;
        let let_in = match Bus::connect(refused).await {
            Ok(bus) => bus.ensure_stream().await.is_ok(),
            Err(_) => false,
        };
        ensure!(!let_in, "let in without the right nkey");
    }
    // A file that holds no credentials is a clear configuration error.
    let junk = server.dir.join("junk");
    std::fs::write(&junk, "not a key")?;
    let mut bad = config(&server.url(""));
    bad.credentials_file = Some(junk);
    let error = Bus::connect(bad)
        .await
        .err()
        .context("a junk file was accepted")?;
    ensure!(error.to_string().contains("neither"), "{error}");
    Ok(())
}
