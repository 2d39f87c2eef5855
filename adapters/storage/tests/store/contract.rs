//! What every backend of the document store must do, run against each of them: a local
//! directory and a real S3-compatible server. Each run works under a prefix of its own.

use anyhow::{Context as _, ensure};
use bytes::Bytes;
use futures::TryStreamExt as _;
use storage::{DocumentKey, DocumentStore, ListedDocument, StoreError, Stored};

fn key(prefix: &str, rest: &str) -> anyhow::Result<DocumentKey> {
    Ok(DocumentKey::parse(&format!("{prefix}/{rest}"))?)
}

/// A PDF-like document that differs by `seed`.
fn document(seed: u8, len: usize) -> Bytes {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    Bytes::from(bytes)
}

/// Every behaviour, one after another, each failure naming the behaviour.
pub async fn keeps_the_contract(store: &DocumentStore, prefix: &str) -> anyhow::Result<()> {
    stores_and_reads_back(store, prefix)
        .await
        .context("put then get")?;
    storing_the_same_bytes_again_is_a_no_op(store, prefix)
        .await
        .context("put the same bytes twice")?;
    refuses_different_bytes_under_a_stored_key(store, prefix)
        .await
        .context("put different bytes")?;
    a_missing_document_is_not_found(store, prefix)
        .await
        .context("missing document")?;
    lists_what_is_stored_under_a_prefix(store, prefix)
        .await
        .context("list")?;
    Ok(())
}

async fn stores_and_reads_back(store: &DocumentStore, prefix: &str) -> anyhow::Result<()> {
    let key = key(prefix, "20267565393/00001-006-00000001.pdf")?;
    let pdf = document(1, 40_000);
    ensure!(store.put(&key, pdf.clone()).await? == Stored::Created);
    ensure!(store.get(&key).await? == pdf, "read back other bytes");
    let size = store.head(&key).await?;
    ensure!(size == Some(pdf.len() as u64), "head says {size:?}");
    Ok(())
}

async fn storing_the_same_bytes_again_is_a_no_op(
    store: &DocumentStore,
    prefix: &str,
) -> anyhow::Result<()> {
    let key = key(prefix, "20267565393/00001-006-00000002.pdf")?;
    let pdf = document(2, 1_000);
    ensure!(store.put(&key, pdf.clone()).await? == Stored::Created);
    let again = store.put(&key, pdf.clone()).await?;
    ensure!(
        again == Stored::AlreadyStored,
        "the second put says {again:?}"
    );
    ensure!(store.get(&key).await? == pdf);
    Ok(())
}

async fn refuses_different_bytes_under_a_stored_key(
    store: &DocumentStore,
    prefix: &str,
) -> anyhow::Result<()> {
    let key = key(prefix, "20267565393/00001-006-00000003.pdf")?;
    let first = document(3, 2_000);
    let other = document(4, 2_001);
    ensure!(store.put(&key, first.clone()).await? == Stored::Created);
    match store.put(&key, other.clone()).await {
        Err(StoreError::Conflict {
            stored, offered, ..
        }) => ensure!(
            stored == first.len() && offered == other.len(),
            "the conflict says {stored} stored, {offered} offered"
        ),
        other => anyhow::bail!("different bytes were answered {other:?}"),
    }
    // Same length, one byte apart: compared by content, not by size.
    let mut flipped = first.to_vec();
    flipped[100] ^= 1;
    let refused = store.put(&key, Bytes::from(flipped)).await;
    ensure!(
        matches!(refused, Err(StoreError::Conflict { .. })),
        "a one-byte change was answered {refused:?}"
    );
    ensure!(
        store.get(&key).await? == first,
        "the stored document changed"
    );
    Ok(())
}

async fn a_missing_document_is_not_found(
    store: &DocumentStore,
    prefix: &str,
) -> anyhow::Result<()> {
    let key = key(prefix, "20267565393/00099-006-00000001.pdf")?;
    match store.get(&key).await {
        Err(error @ StoreError::NotFound { .. }) => {
            ensure!(!error.is_retryable(), "not found is not a retry matter");
        }
        other => anyhow::bail!("a missing document was answered {other:?}"),
    }
    ensure!(store.head(&key).await?.is_none(), "head found it");
    Ok(())
}

async fn lists_what_is_stored_under_a_prefix(
    store: &DocumentStore,
    prefix: &str,
) -> anyhow::Result<()> {
    let listed = key(prefix, "listed")?;
    let a = key(prefix, "listed/a.pdf")?;
    let b = key(prefix, "listed/sub/b.pdf")?;
    let beside = key(prefix, "listed-not/c.pdf")?;
    for (key, len) in [(&a, 10), (&b, 20), (&beside, 30)] {
        store.put(key, document(5, len)).await?;
    }
    let mut found: Vec<ListedDocument> = store.list(Some(&listed)).try_collect().await?;
    found.sort_by(|x, y| x.key.cmp(&y.key));
    let expected = vec![
        ListedDocument { key: a, size: 19 },
        ListedDocument { key: b, size: 29 },
    ];
    ensure!(found == expected, "listed {found:?}");
    Ok(())
}

/// Several writers of the same document at once: all succeed and the document is stored once.
pub async fn concurrent_writers_of_the_same_bytes_agree(
    store: &DocumentStore,
    prefix: &str,
) -> anyhow::Result<()> {
    let key = key(prefix, "20267565393/00001-006-00000004.pdf")?;
    let pdf = document(6, 5_000);
    let puts = (0..4).map(|_| store.put(&key, pdf.clone()));
    let outcomes = futures::future::try_join_all(puts).await?;
    let created = outcomes.iter().filter(|o| **o == Stored::Created).count();
    ensure!(created == 1, "{created} writers created it: {outcomes:?}");
    ensure!(store.get(&key).await? == pdf);
    Ok(())
}
