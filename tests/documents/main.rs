//! The documents engine against the real Postgres and a real store: each authorized invoice or
//! note owed a job from its CAE, rendered, stored once and recorded on its stream; re-runs,
//! racing engines and a store outage never duplicate nor lose a document; `verify` finds what
//! was tampered with and renders the log again to the same bytes.

#[path = "../../adapters/storage/tests/store/seaweedfs.rs"]
mod seaweedfs;
mod support;

use domain::RecordedEvent;
use sha2::{Digest as _, Sha256};
use sqlx::PgPool;
use storage::{DocumentKey, DocumentStore, StoreConfig};
use workers::documents::verify::{Problem, VerifyOptions, verify};
use workers::documents::{DocumentEngine, DocumentsConfig};

use support::{QR_BASE, World, closed_port, credit_note, pdf_text};

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_authorized_invoice_and_a_credit_note_get_their_pdfs_stored_and_recorded_once(
    pool: PgPool,
) {
    let world = World::new(pool).await;
    let tenant = world.tenant().await;
    let invoice = world.authorized(tenant, 1, |_| {}).await;
    let note = world.authorized(tenant, 1, credit_note).await;
    world.intake().await;
    assert_eq!(world.jobs().await.len(), 2, "each CAE owes a document");

    let engine = world.engine();
    let round = engine.run_once().await.expect("round");
    assert_eq!((round.claimed, round.issued, round.failed), (2, 2, 0));
    assert!(world.jobs().await.is_empty(), "nothing is owed any more");

    let store = world.store();
    for (id, key_end) in [
        (invoice, "/20267565393/00001-006-00000001.v1.pdf"),
        (note, "/20267565393/00001-008-00000001.v1.pdf"),
    ] {
        let recorded = world.documents_of(tenant, id).await;
        assert_eq!(recorded.len(), 1);
        let data = &recorded[0].data;
        let key = data["key"].as_str().expect("key");
        assert_eq!(key, format!("{}/sim{key_end}", tenant.as_uuid()));
        let bytes = store
            .get(&DocumentKey::parse(key).expect("key"))
            .await
            .expect("stored");
        assert!(bytes.starts_with(b"%PDF-"));
        assert_eq!(data["sha256"], hex::encode(Sha256::digest(&bytes)));
        assert_eq!(data["bytes"], bytes.len());
        assert_eq!(data["template_version"], "1");
        assert_eq!(
            recorded[0].metadata.actor.as_deref(),
            Some("documents:renderer")
        );
        if let Some(text) = pdf_text(&bytes) {
            for shown in [
                "Empresa de Prueba SA",
                "Av. Corrientes 1234, CABA",
                "71234567890123",
            ] {
                assert!(
                    text.contains(shown),
                    "{shown:?} is not on the page:\n{text}"
                );
            }
        }
    }

    // The log read again, a job put back by hand, a second engine: nothing new.
    world.intake().await;
    sqlx::query(
        "insert into documents.jobs (invoice_id, tenant_id, due_at) values ($1, $2, now())",
    )
    .bind(invoice.as_uuid())
    .bind(tenant.as_uuid())
    .execute(&world.pool)
    .await
    .expect("job again");
    let again = world.engine().run_once().await.expect("round");
    assert_eq!((again.claimed, again.issued), (1, 1));
    assert_eq!(world.documents_of(tenant, invoice).await.len(), 1);
    assert!(world.jobs().await.is_empty());
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_store_outage_keeps_the_obligation_until_the_store_is_back(pool: PgPool) {
    let world = World::new(pool).await;
    let tenant = world.tenant().await;
    let invoice = world.authorized(tenant, 7, |_| {}).await;
    world.intake().await;
    // The tenant's folder cannot be made: a file stands where it would go.
    let blocker = world.dir.path().join(tenant.as_uuid().to_string());
    std::fs::write(&blocker, b"not a folder").expect("blocker");

    let engine = world.engine();
    let failed = engine.run_once().await.expect("round");
    assert_eq!((failed.issued, failed.failed), (0, 1));
    let jobs = world.jobs().await;
    assert_eq!(jobs.len(), 1, "the obligation stays");
    assert_eq!(jobs[0].1, 1);
    assert!(
        jobs[0].2.as_deref().is_some_and(|e| e.contains("stor")),
        "{jobs:?}"
    );
    assert!(world.documents_of(tenant, invoice).await.is_empty());
    let early = engine.run_once().await.expect("round");
    assert_eq!(early.claimed, 0, "not before its next attempt is due");

    std::fs::remove_file(&blocker).expect("store back");
    world.make_due().await;
    let round = engine.run_once().await.expect("round");
    assert_eq!((round.issued, round.failed), (1, 0));
    assert_eq!(world.documents_of(tenant, invoice).await.len(), 1);
    assert!(world.jobs().await.is_empty());
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn racing_engines_record_each_document_exactly_once(pool: PgPool) {
    let world = World::new(pool).await;
    let tenant = world.tenant().await;
    let mut invoices = Vec::new();
    for number in 1..=48 {
        invoices.push(world.authorized(tenant, number, |_| {}).await);
    }
    world.intake().await;
    let one_at_a_time = DocumentsConfig {
        concurrency: 1,
        ..world.config(world.dir.path())
    };
    let (first, second) = (
        world.engine_on(one_at_a_time.clone()),
        world.engine_on(one_at_a_time),
    );
    // Each engine claims up to 32 at a time: whatever share each takes, none is taken twice.
    let drain = |engine: DocumentEngine| async move {
        let mut issued = 0;
        loop {
            let round = engine.run_once().await.expect("round");
            issued += round.issued;
            if round.claimed == 0 {
                return issued;
            }
        }
    };
    let (a, b) = tokio::join!(drain(first), drain(second));
    assert_eq!(a + b, 48, "{a} + {b}");
    for invoice in invoices {
        assert_eq!(world.documents_of(tenant, invoice).await.len(), 1);
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn verify_renders_the_log_again_to_the_same_bytes_and_finds_tampering(pool: PgPool) {
    let world = World::new(pool).await;
    let tenant = world.tenant().await;
    let kept = world.authorized(tenant, 1, |_| {}).await;
    let tampered = world.authorized(tenant, 2, |_| {}).await;
    let lost = world.authorized(tenant, 3, |_| {}).await;
    world.intake().await;
    world.engine().run_once().await.expect("round");
    let store = world.store();
    let options = VerifyOptions {
        render_with_qr_base: Some(QR_BASE.to_owned()),
    };
    let clean = verify(&world.pool, &world.events, &store, &options)
        .await
        .expect("verify");
    assert_eq!((clean.recorded, clean.matching), (3, 3), "{clean:?}");
    assert!(clean.is_clean() && clean.unrecorded.is_empty());

    let key_of =
        |events: Vec<RecordedEvent>| events[0].data["key"].as_str().expect("key").to_owned();
    let tampered_key = key_of(world.documents_of(tenant, tampered).await);
    let lost_key = key_of(world.documents_of(tenant, lost).await);
    let path = |key: &str| world.dir.path().join(key);
    let mut bytes = std::fs::read(path(&tampered_key)).expect("read");
    bytes.extend_from_slice(b"%% one more line\n");
    std::fs::write(path(&tampered_key), bytes).expect("tamper");
    std::fs::remove_file(path(&lost_key)).expect("lose");
    let stray = format!("{}/sim/20267565393/stray.pdf", tenant.as_uuid());
    std::fs::write(path(&stray), b"%PDF-1.7").expect("stray");

    let found = verify(
        &world.pool,
        &world.events,
        &store,
        &VerifyOptions::default(),
    )
    .await
    .expect("verify");
    assert_eq!((found.recorded, found.matching), (3, 1));
    assert!(found.problems.contains(&Problem::Missing { key: lost_key }));
    assert!(
        found
            .problems
            .iter()
            .any(|p| matches!(p, Problem::Different { key, .. } if *key == tampered_key))
    );
    assert_eq!(found.unrecorded, [stray]);
    assert_eq!(world.documents_of(tenant, kept).await.len(), 1);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn documents_go_to_an_s3_bucket_once_it_answers(pool: PgPool) {
    let Some(server) = seaweedfs::Server::start_if_installed()
        .await
        .expect("SeaweedFS starts")
    else {
        return;
    };
    let world = World::new(pool).await;
    let tenant = world.tenant().await;
    let invoice = world.authorized(tenant, 42, |_| {}).await;
    world.intake().await;
    let s3 = |config: storage::S3Config| DocumentsConfig {
        store: StoreConfig::S3(config),
        ..world.config(world.dir.path())
    };

    // A bucket nobody answers for: the attempt fails, the job stays with the reason.
    let mut unreachable = server.config(seaweedfs::SECRET_ACCESS_KEY);
    unreachable.endpoint = format!("http://127.0.0.1:{}", closed_port());
    unreachable.retry_timeout = std::time::Duration::from_millis(500);
    let failed = world
        .engine_on(s3(unreachable))
        .run_once()
        .await
        .expect("round");
    assert_eq!((failed.issued, failed.failed), (0, 1));
    let jobs = world.jobs().await;
    assert!(
        jobs[0]
            .2
            .as_deref()
            .is_some_and(|e| e.contains("unavailable")),
        "{jobs:?}"
    );

    world.make_due().await;
    let config = s3(server.config(seaweedfs::SECRET_ACCESS_KEY));
    let round = world
        .engine_on(config.clone())
        .run_once()
        .await
        .expect("round");
    assert_eq!((round.issued, round.failed), (1, 0));
    let recorded = world.documents_of(tenant, invoice).await;
    let key = recorded[0].data["key"].as_str().expect("key");
    let bucket = DocumentStore::open(&config.store).expect("bucket");
    let bytes = bucket
        .get(&DocumentKey::parse(key).expect("key"))
        .await
        .expect("in the bucket");
    assert_eq!(
        recorded[0].data["sha256"],
        hex::encode(Sha256::digest(&bytes))
    );
    let found = verify(
        &world.pool,
        &world.events,
        &bucket,
        &VerifyOptions::default(),
    )
    .await
    .expect("verify");
    assert!(found.is_clean() && found.matching == 1, "{found:?}");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn one_tenants_flood_does_not_hold_back_another_tenants_document(pool: PgPool) {
    let world = World::new(pool).await;
    let (busy, quiet) = (world.tenant().await, world.tenant().await);
    for number in 1..=40 {
        world.authorized(busy, number, |_| {}).await;
    }
    world.intake().await;
    // The quiet tenant's CAE comes after the whole flood is owed.
    let late = world.authorized(quiet, 1, |_| {}).await;
    world.intake().await;
    let one_slot = DocumentsConfig {
        concurrency: 1,
        ..world.config(world.dir.path())
    };
    let round = world.engine_on(one_slot).run_once().await.expect("round");
    assert!(
        round.claimed < 41,
        "a round takes part of the flood: {round:?}"
    );
    assert_eq!(
        world.documents_of(quiet, late).await.len(),
        1,
        "the quiet tenant's document is in the first round"
    );
}
