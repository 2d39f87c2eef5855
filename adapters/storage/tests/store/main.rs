//! The document store against its backends: a local directory, and a real S3-compatible server
//! (SeaweedFS, started by the test) in both of its write modes; then what an S3 caller sees when
//! the credentials are wrong, the server is gone or in trouble, and the endpoint speaks TLS.

mod contract;
mod seaweedfs;

use std::{
    io::{Read as _, Write as _},
    net::TcpListener,
    time::{Duration, Instant},
};

use anyhow::{Context as _, ensure};
use bytes::Bytes;
use secrecy::SecretString;
use storage::{DocumentKey, DocumentStore, S3Config, StoreConfig, StoreError};

/// What a get, a put and a head of `key` fail with; an error if one succeeds.
async fn failures(store: &DocumentStore, key: &DocumentKey) -> anyhow::Result<Vec<StoreError>> {
    let outcomes = [
        ("get", store.get(key).await.map(drop)),
        (
            "put",
            store
                .put(key, Bytes::from_static(b"%PDF-1.7 other"))
                .await
                .map(drop),
        ),
        ("head", store.head(key).await.map(drop)),
    ];
    outcomes
        .into_iter()
        .map(|(operation, outcome)| {
            outcome
                .err()
                .with_context(|| format!("{operation} succeeded"))
        })
        .collect()
}

#[tokio::test]
async fn a_local_directory_keeps_the_contract() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("made/by/open");
    let store = DocumentStore::open(&StoreConfig::Local { dir: dir.clone() })?;
    contract::keeps_the_contract(&store, "tenant-a").await?;
    contract::concurrent_writers_of_the_same_bytes_agree(&store, "tenant-a").await?;

    // A person looking in the directory finds the document under its key.
    let key = DocumentKey::parse("tenant-b/sim/20267565393/00002-011-00000007.pdf")?;
    store
        .put(&key, Bytes::from_static(b"%PDF-1.7 seven"))
        .await?;
    let on_disk = std::fs::read(dir.join(key.as_str())).context("reading the file")?;
    ensure!(on_disk == b"%PDF-1.7 seven");
    Ok(())
}

#[tokio::test]
async fn an_s3_bucket_keeps_the_contract_and_refuses_wrong_credentials() -> anyhow::Result<()> {
    let Some(server) = seaweedfs::Server::start_if_installed().await? else {
        return Ok(());
    };

    // Create-only puts in one request (`If-None-Match: *`).
    let config = server.config(seaweedfs::SECRET_ACCESS_KEY);
    let store = DocumentStore::open(&StoreConfig::S3(config.clone()))?;
    contract::keeps_the_contract(&store, "conditional")
        .await
        .context("with conditional puts")?;
    contract::concurrent_writers_of_the_same_bytes_agree(&store, "conditional")
        .await
        .context("with conditional puts")?;

    // A server without conditional puts: read, then write only what is absent.
    let mut plain = config.clone();
    plain.conditional_put = false;
    let plain = DocumentStore::open(&StoreConfig::S3(plain))?;
    contract::keeps_the_contract(&plain, "read-then-write")
        .await
        .context("without conditional puts")?;

    ensure!(
        !format!("{config:?}").contains(seaweedfs::SECRET_ACCESS_KEY),
        "Debug shows the secret: {config:?}"
    );

    let stranger = DocumentStore::open(&StoreConfig::S3(server.config("wrong-secret")))?;
    let key = DocumentKey::parse("conditional/20267565393/00001-006-00000001.pdf")?;
    let stored = store.get(&key).await?;
    for error in failures(&stranger, &key)
        .await
        .context("wrong credentials were let in")?
    {
        ensure!(
            matches!(error, StoreError::Denied { .. }) && !error.is_retryable(),
            "wrong credentials gave {error:?}"
        );
    }
    ensure!(store.get(&key).await? == stored, "the document changed");
    Ok(())
}

#[tokio::test]
async fn a_stopped_s3_server_is_unavailable_within_the_retry_timeout() -> anyhow::Result<()> {
    let Some(mut server) = seaweedfs::Server::start_if_installed().await? else {
        return Ok(());
    };
    let mut config = server.config(seaweedfs::SECRET_ACCESS_KEY);
    config.retry_timeout = Duration::from_secs(1);
    let store = DocumentStore::open(&StoreConfig::S3(config))?;
    let key = DocumentKey::parse("t/sim/20267565393/00001-011-00000001.pdf")?;
    store.put(&key, Bytes::from_static(b"%PDF-1.7")).await?;

    server.stop();
    let started = Instant::now();
    for error in failures(&store, &key)
        .await
        .context("a stopped server answered")?
    {
        ensure!(
            matches!(error, StoreError::Unavailable { .. }) && error.is_retryable(),
            "a stopped server gave {error:?}"
        );
    }
    let took = started.elapsed();
    ensure!(
        took < Duration::from_secs(10),
        "three failures took {took:?}"
    );
    Ok(())
}

/// A loopback server that answers every connection's first read with `answer` and records
/// what it received first.
fn answering(answer: &'static [u8]) -> anyhow::Result<(u16, std::sync::mpsc::Receiver<Vec<u8>>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let (seen, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for mut connection in listener.incoming().flatten() {
            let mut buffer = vec![0; 16 * 1024];
            let n = connection.read(&mut buffer).unwrap_or(0);
            buffer.truncate(n);
            let _ = seen.send(buffer);
            let _ = connection.write_all(answer);
        }
    });
    Ok((port, received))
}

fn config_for(endpoint: String) -> S3Config {
    let mut config = S3Config::new(endpoint, "documents", "key", SecretString::from("secret"));
    config.allow_http = true;
    config.timeout = Duration::from_secs(2);
    config.max_retries = 1;
    config.retry_timeout = Duration::from_secs(2);
    config
}

#[tokio::test]
async fn a_server_answering_503_is_unavailable_after_the_retries() -> anyhow::Result<()> {
    storage::install_crypto_provider();
    let (port, received) = answering(
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )?;
    let store = DocumentStore::open(&StoreConfig::S3(config_for(format!(
        "http://127.0.0.1:{port}"
    ))))?;
    let key = DocumentKey::parse("t/a.pdf")?;
    let error = store.get(&key).await.err().context("a 503 was a success")?;
    ensure!(
        matches!(error, StoreError::Unavailable { .. }),
        "a 503 gave {error:?}"
    );
    ensure!(
        received.try_iter().count() == 2,
        "the request was not retried once"
    );
    Ok(())
}

#[tokio::test]
async fn an_https_endpoint_gets_a_tls_handshake_from_the_installed_provider() -> anyhow::Result<()>
{
    storage::install_crypto_provider();
    // Not a TLS server: it answers the ClientHello in plain HTTP, so the handshake fails.
    let (port, received) = answering(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")?;
    let mut config = config_for(format!("https://127.0.0.1:{port}"));
    config.allow_http = false;
    let store = DocumentStore::open(&StoreConfig::S3(config))?;
    let key = DocumentKey::parse("t/a.pdf")?;
    store
        .head(&key)
        .await
        .err()
        .context("no TLS, yet an answer")?;
    let hello = received.recv_timeout(Duration::from_secs(5))?;
    // A TLS handshake record (0x16), version 3.x: rustls built a ClientHello with ring.
    ensure!(
        hello.starts_with(&[0x16, 0x03]),
        "the client sent {:02x?}, not a ClientHello",
        &hello[..hello.len().min(8)]
    );
    Ok(())
}
