//! `arca documents verify`: the stored PDFs checked against the event log (the check itself is
//! the documents engine's, [`workers::documents::verify`]); this prints its findings.

use std::sync::Arc;

use anyhow::Context as _;
use clap::Subcommand;
use eventstore::EventStore;
use storage::DocumentStore;
use workers::documents::verify::{Problem, VerifyOptions, verify};

use crate::{config, server, settings::Settings};

/// Invoice documents.
#[derive(Debug, Subcommand)]
pub enum DocumentsCmd {
    /// Re-hash every stored PDF against the SHA-256 its `invoice.document_issued` records; list
    /// recorded PDFs that are missing or different, and stored ones nothing records. Exits
    /// non-zero when a recorded PDF does not check out.
    Verify {
        /// Also render each PDF again from the log (the template version it records) and compare
        /// the bytes.
        #[arg(long)]
        render: bool,
    },
}

/// Runs a documents command.
///
/// # Errors
/// The store or the log cannot be read, or (verify) a recorded document does not check out.
pub async fn run(settings: &Settings, cmd: DocumentsCmd) -> anyhow::Result<()> {
    match cmd {
        DocumentsCmd::Verify { render } => verify_command(settings, render).await,
    }
}

async fn verify_command(settings: &Settings, render: bool) -> anyhow::Result<()> {
    let documents = config::documents(settings)?;
    let store = DocumentStore::open(&documents.store).context("opening the document store")?;
    let events = server::connect_store(settings).await?;
    let pool = events.pool().clone();
    let events: Arc<dyn EventStore> = Arc::new(events);
    let options = VerifyOptions {
        render_with_qr_base: render.then(|| documents.qr_base_url.clone()),
    };
    eprintln!(
        "verifying the documents in {} against the log",
        workers::documents::describe(&documents.store)
    );
    let found = verify(&pool, &events, &store, &options).await?;
    for problem in &found.problems {
        println!("{}", describe(problem));
    }
    for key in &found.unrecorded {
        println!("unrecorded {key}: stored, but no invoice.document_issued names it");
    }
    let summary = serde_json::json!({
        "recorded": found.recorded,
        "matching": found.matching,
        "problems": found.problems.len(),
        "unrecorded": found.unrecorded.len(),
        "rendered_again": render,
    });
    println!("{summary}");
    anyhow::ensure!(
        found.is_clean(),
        "{} recorded document(s) do not check out",
        found.problems.len()
    );
    Ok(())
}

fn describe(problem: &Problem) -> String {
    match problem {
        Problem::Missing { key } => format!("missing {key}: recorded, nothing stored"),
        Problem::Different {
            key,
            recorded,
            stored,
        } => format!("different {key}: recorded sha256 {recorded}, stored {stored}"),
        Problem::Unreadable { key, error } => format!("unreadable {key}: {error}"),
        Problem::NotReproducible { key, detail } => format!("not reproducible {key}: {detail}"),
    }
}
