//! Shared test fixtures: one development CA + certificate per test binary (RSA key generation
//! is slow in debug builds), and the path to the recorded samples.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::OnceLock;

use arca_ws::certs::{DevBundle, dev_bundle};

pub const CUIT: &str = "20267565393";

/// The keyring tests seal with: one development key, `default`.
pub fn keyring() -> arca_ws::credentials::Keyring {
    arca_ws::credentials::Keyring::single(arca_ws::credentials::SealingKey::derive_dev("test"))
}

pub fn bundle() -> &'static DevBundle {
    static B: OnceLock<DevBundle> = OnceLock::new();
    B.get_or_init(|| dev_bundle(CUIT, "testalias", None).expect("dev bundle"))
}

/// The recorded samples under `tests/samples` (or `ARCA_SAMPLES_DIR`).
pub fn samples_dir() -> PathBuf {
    if let Ok(d) = std::env::var("ARCA_SAMPLES_DIR") {
        return PathBuf::from(d);
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/samples");
    assert!(dir.is_dir(), "samples not found at {}", dir.display());
    dir
}

pub fn sample(rel: &str) -> String {
    let p = samples_dir().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every `wsfev1/*.request.xml` base name (without `.request.xml`).
pub fn wsfe_cases() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(samples_dir().join("wsfev1"))
        .expect("samples dir")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".request.xml"))
                .map(str::to_owned)
        })
        .collect();
    v.sort();
    v
}

/// A simulator on an ephemeral loopback port that trusts [`bundle`]'s CA.
pub async fn start_sim() -> arca_ws::sim::RunningSim {
    let cfg = arca_ws::sim::SimConfig {
        trust: vec![bundle().ca.cert.clone()],
        ..arca_ws::sim::SimConfig::default()
    };
    arca_ws::sim::Simulator::new(cfg)
        .unwrap()
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}
