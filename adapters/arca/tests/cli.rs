//! The command-line pieces, parsed as the root binary will parse them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use arca_ws::cli::{ArcaCommand, BenchArcaArgs, run};
use arca_ws::sim::{SimConfig, Simulator};
use clap::{CommandFactory, Parser};

#[derive(Debug, Parser)]
#[command(name = "arca")]
struct Root {
    #[command(subcommand)]
    cmd: ArcaCommand,
}

fn parse(args: &[&str]) -> ArcaCommand {
    Root::try_parse_from(std::iter::once("arca").chain(args.iter().copied()))
        .unwrap()
        .cmd
}

#[test]
fn the_clap_definitions_are_consistent() {
    Root::command().debug_assert();
}

#[tokio::test]
async fn certs_csr_carries_the_subject_arca_expects_and_an_encrypted_key() {
    let dir = tempfile::tempdir().unwrap();
    // Cargo sets CARGO_PKG_NAME for test runs: a passphrase in an environment variable
    // without mutating the environment (unsafe code is forbidden here).
    let pass = env!("CARGO_PKG_NAME");
    let out = dir.path().to_str().unwrap();
    run(parse(&[
        "certs",
        "csr",
        "--cuit",
        "20267565393",
        "--alias",
        "facturador",
        "--org",
        "Mi Empresa SA",
        "--out",
        out,
        "--passphrase-env",
        "CARGO_PKG_NAME",
    ]))
    .await
    .unwrap();
    let subj = Command::new("openssl")
        .args([
            "req", "-noout", "-verify", "-subject", "-nameopt", "RFC2253", "-in",
        ])
        .arg(dir.path().join("facturador.csr"))
        .output()
        .unwrap();
    assert!(
        subj.status.success(),
        "{}",
        String::from_utf8_lossy(&subj.stderr)
    );
    let text = String::from_utf8_lossy(&subj.stdout);
    assert!(
        text.contains("serialNumber=CUIT 20267565393,CN=facturador,O=Mi Empresa SA,C=AR"),
        "{text}"
    );
    let key = std::fs::read_to_string(dir.path().join("facturador.key")).unwrap();
    assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assert!(arca_ws::certs::read_key_pem(&key, Some(pass)).is_ok());
    assert!(arca_ws::certs::read_key_pem(&key, Some("wrong")).is_err());
    assert!(arca_ws::certs::read_key_pem(&key, None).is_err());
    assert!(
        !dir.path().join("facturador.pass").exists(),
        "a passphrase from the environment is not written anywhere"
    );
}

fn openssl(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn certs_dev_writes_a_chain_openssl_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    run(parse(&[
        "certs",
        "dev",
        "--cuit",
        "20267565393",
        "--out",
        out,
        "--passphrase-env",
        "ARCA_TEST_UNSET_VAR",
    ]))
    .await
    .unwrap();
    let v = openssl(&["verify", "-CAfile", "ca.pem", "cert.pem"], dir.path());
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    let creds = arca_ws::certs::Credentials::load(
        &dir.path().join("cert.pem"),
        &dir.path().join("key.pem"),
        None,
    )
    .unwrap();
    assert_eq!(creds.subject_cuit().as_deref(), Some("20267565393"));
}

#[tokio::test]
async fn certs_dev_without_a_passphrase_encrypts_the_key_with_a_generated_one_kept_apart() {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;

    let dir = tempfile::tempdir().unwrap();
    let ArcaCommand::Certs(cmd) = parse(&[
        "certs",
        "dev",
        "--cuit",
        "20267565393",
        "--out",
        dir.path().to_str().unwrap(),
        "--passphrase-env",
        "ARCA_TEST_UNSET_VAR",
    ]) else {
        unreachable!()
    };
    let printed = arca_ws::cli::certs_json(*cmd).unwrap().to_string();
    let key_path = dir.path().join("key.pem");
    let pass_path = dir.path().join("key.pass");
    let key = std::fs::read_to_string(&key_path).unwrap();
    let pass = std::fs::read_to_string(&pass_path).unwrap();
    let pass = pass.trim_end();
    assert!(pass.len() >= 40, "a strong generated passphrase");

    // On disk the key is not readable without the passphrase, in any unencrypted form.
    assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assert!(rsa::RsaPrivateKey::from_pkcs8_pem(&key).is_err());
    assert!(rsa::RsaPrivateKey::from_pkcs1_pem(&key).is_err());
    assert!(arca_ws::certs::read_key_pem(&key, None).is_err());
    let no_pass = openssl(
        &["pkey", "-in", "key.pem", "-passin", "pass:", "-noout"],
        dir.path(),
    );
    assert!(!no_pass.status.success());
    #[cfg(unix)]
    assert_eq!((mode(&key_path), mode(&pass_path)), (0o600, 0o600));

    // openssl opens it with the .pass file, and it is the certificate's key.
    let dec = openssl(
        &["pkcs8", "-in", "key.pem", "-passin", "file:key.pass"],
        dir.path(),
    );
    assert!(
        dec.status.success(),
        "{}",
        String::from_utf8_lossy(&dec.stderr)
    );
    assert!(String::from_utf8_lossy(&dec.stdout).contains("-----BEGIN PRIVATE KEY-----"));
    let key_pub = openssl(
        &[
            "pkey",
            "-in",
            "key.pem",
            "-passin",
            "file:key.pass",
            "-pubout",
        ],
        dir.path(),
    );
    let cert_pub = openssl(
        &["x509", "-in", "cert.pem", "-pubkey", "-noout"],
        dir.path(),
    );
    assert_eq!(key_pub.stdout, cert_pub.stdout);

    // The passphrase is never printed; readers find the .pass file beside the key.
    assert!(!printed.contains(pass), "{printed}");
    assert!(printed.contains("key.pass"));
    let creds = arca_ws::certs::Credentials::open(
        &dir.path().join("cert.pem"),
        &key_path,
        None,
        Some("ARCA_TEST_UNSET_VAR"),
    )
    .unwrap();
    let shown = format!("{creds:?}");
    for secret in [pass, "PRIVATE", "BigUint", "primes"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let bundle = format!("{:?}", common::bundle());
    assert!(!bundle.contains(common::bundle().key_passphrase.expose()));
    assert!(!bundle.contains("BigUint"));
}

#[tokio::test]
async fn wsaa_login_and_a_wsfe_batch_against_a_running_simulator() {
    let b = common::bundle();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cert.pem"), &b.cert_pem).unwrap();
    std::fs::write(dir.path().join("key.pem"), &b.key_pem).unwrap();
    // The encrypted key is opened with the .pass file beside it.
    std::fs::write(dir.path().join("key.pass"), b.key_passphrase.expose()).unwrap();
    let cfg = SimConfig {
        trust: vec![b.ca.cert.clone()],
        ..SimConfig::default()
    };
    let sim = Simulator::new(cfg)
        .unwrap()
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
    let conn = [
        "--wsaa-url".to_owned(),
        sim.wsaa_url(),
        "--wsfe-url".to_owned(),
        sim.wsfe_url(),
        "--cert".to_owned(),
        p("cert.pem"),
        "--key".to_owned(),
        p("key.pem"),
        "--ticket-cache".to_owned(),
        p("cache"),
    ];
    let with = |head: &[&str], tail: &[&str]| {
        let mut v: Vec<String> = head.iter().map(|s| (*s).to_owned()).collect();
        v.extend(conn.iter().cloned());
        v.extend(tail.iter().map(|s| (*s).to_owned()));
        v
    };
    let go = |v: Vec<String>| parse(&v.iter().map(String::as_str).collect::<Vec<_>>());
    run(go(with(&["wsaa", "login"], &[]))).await.unwrap();
    // Later invocations reuse the cached ticket: no coe.alreadyAuthenticated.
    run(go(with(
        &["wsfe", "authorize"],
        &["--pto-vta", "7", "--count", "25"],
    )))
    .await
    .unwrap();
    run(go(with(
        &["wsfe", "authorize"],
        &["--pto-vta", "7", "--count", "5"],
    )))
    .await
    .unwrap();
    run(go(with(
        &["wsfe", "last"],
        &["--pto-vta", "7", "--tipo", "6"],
    )))
    .await
    .unwrap();
    run(go(with(&["wsfe", "params"], &["tipos-iva"])))
        .await
        .unwrap();
    assert_eq!(sim.sim.login_count(), 1);
    let r = sim.sim.ledger_report();
    assert_eq!((r[0].point_of_sale, r[0].count, r[0].last), (7, 30, 30));
    assert!(r[0].gaps.is_empty() && r[0].duplicates.is_empty());
}

#[tokio::test]
async fn bench_arca_reports_figures_for_every_batch_size() {
    let args = BenchArcaArgs {
        concurrency: 2,
        duration: 0.3,
    };
    let r = arca_ws::cli::bench_measure(&args, common::bundle())
        .await
        .unwrap();
    assert!(
        r.batch1_invoices_per_s > 0.0
            && r.batch10_invoices_per_s > 0.0
            && r.batch250_invoices_per_s > 0.0
    );
    assert!(r.invoices_approved >= 2 * (1 + 10 + 250));
    assert!(
        serde_json::to_string(&r)
            .unwrap()
            .starts_with("{\"bench\":\"arca\"")
    );
}
