//! A real SMTP server on loopback for tests ([`SmtpSink`]): `ops/smtp-sink.py` (aiosmtpd) run by
//! the python `ARCA_SMTP_TEST_PYTHON` names (`ops/test` installs it), writing what it receives
//! to a directory, parsed by Python's email package. Only with the `testing` feature.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Deserialize;

/// One attachment as the server received it.
#[derive(Debug, Clone, Deserialize)]
pub struct ReceivedAttachment {
    /// Its file name.
    pub filename: Option<String>,
    /// Its content type (`application/pdf`).
    pub content_type: String,
    /// Its bytes, base64.
    base64: String,
}

impl ReceivedAttachment {
    /// Its bytes, decoded.
    ///
    /// # Panics
    /// When the sink wrote something that is not base64.
    pub fn bytes(&self) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .decode(&self.base64)
            .unwrap_or_else(|e| panic!("the sink's attachment is not base64: {e}"))
    }
}

/// One message as the server received it.
#[derive(Debug, Clone, Deserialize)]
pub struct ReceivedMail {
    /// The envelope's sender.
    pub mail_from: String,
    /// The envelope's recipients.
    pub rcpt_tos: Vec<String>,
    /// `Subject`, decoded.
    pub subject: String,
    /// `Message-ID`.
    pub message_id: String,
    /// `From`.
    pub from: String,
    /// `To`.
    pub to: String,
    /// The plain text part, decoded.
    pub text: Option<String>,
    /// The attachments.
    pub attachments: Vec<ReceivedAttachment>,
}

/// The SMTP server; stopped when dropped.
pub struct SmtpSink {
    child: Child,
    stdin: Option<ChildStdin>,
    dir: tempfile::TempDir,
    port: u16,
}

impl SmtpSink {
    /// Starts one, or `None` (with a message on stderr) when the python with aiosmtpd is not
    /// there, unless `ARCA_REQUIRE_SMTP=1`.
    ///
    /// # Panics
    /// When the server is required but does not start.
    pub fn start() -> Option<Self> {
        let required = std::env::var("ARCA_REQUIRE_SMTP").as_deref() == Ok("1");
        let python = std::env::var_os("ARCA_SMTP_TEST_PYTHON");
        let started = python
            .as_ref()
            .and_then(|python| Self::spawn(Path::new(python)));
        if started.is_none() {
            assert!(
                !required,
                "ARCA_REQUIRE_SMTP=1 but the SMTP sink does not start \
                 (ARCA_SMTP_TEST_PYTHON={python:?}; ops/test installs it)"
            );
            eprintln!(
                "skipped: no python with aiosmtpd for the SMTP sink (ops/test installs it; set \
                 ARCA_SMTP_TEST_PYTHON)"
            );
        }
        started
    }

    fn spawn(python: &Path) -> Option<Self> {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ops/smtp-sink.py");
        let dir = tempfile::tempdir().ok()?;
        let mut child = Command::new(python)
            .arg(&script)
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .ok()?;
        let stdin = child.stdin.take();
        let mut line = String::new();
        BufReader::new(child.stdout.take()?)
            .read_line(&mut line)
            .ok()?;
        let Some(port) = line
            .trim()
            .strip_prefix("port=")
            .and_then(|p| p.parse().ok())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        };
        Some(Self {
            child,
            stdin,
            dir,
            port,
        })
    }

    /// The port it listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every message received so far, oldest first.
    ///
    /// # Panics
    /// When a stored message does not read back.
    pub fn received(&self) -> Vec<ReceivedMail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "json"));
        files.sort();
        files
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path)
                    .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
                serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()))
            })
            .collect()
    }

    /// Waits (up to `timeout`) until at least `count` messages arrived, and returns them all.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let received = self.received();
            if received.len() >= count || Instant::now() >= deadline {
                return received;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port on 127.0.0.1 where nothing listens (bound, then freed): an SMTP server that is down.
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(9)
}
