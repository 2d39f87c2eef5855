//! `invoices` and `invoice`: filters, cursor pagination, tenant isolation, the event stream and
//! the state at an instant.

use std::collections::HashSet;

use domain::invoice::RequestInvoice;
use domain::testing::{factura_a, factura_b};
use projections::graphql::{Limits, ReadSchema};
use serde_json::{Value, json};
use sqlx::PgPool;
use time::format_description::well_known::Rfc3339;
use time::macros::date;
use uuid::Uuid;

use crate::support::{Env, Lifecycle, first_code, run};

/// Tenant A: an authorized Factura A, a rejected one, a requested Factura B, an authorized
/// Factura A of June 30 and a requested one; tenant B: an authorized Factura A.
async fn invoices(env: &Env) -> anyhow::Result<(Vec<Uuid>, Uuid)> {
    let a = env.tenant_a;
    let june = RequestInvoice {
        issue_date: date!(2025 - 06 - 30),
        ..factura_a()
    };
    let ids = vec![
        env.invoice(a, factura_a(), Lifecycle::Authorized).await?,
        env.invoice(a, factura_a(), Lifecycle::Rejected).await?,
        env.invoice(a, factura_b(), Lifecycle::Requested).await?,
        env.invoice(a, june, Lifecycle::Authorized).await?,
        env.invoice(a, factura_a(), Lifecycle::Requested).await?,
    ];
    let other = env
        .invoice(env.tenant_b, factura_a(), Lifecycle::Authorized)
        .await?;
    env.project().await?;
    Ok((ids, other))
}

/// The ids of an `invoices` answer; panics on an error answer, so a failing query never passes
/// for "nothing matched".
fn ids_of(answer: &Value) -> Vec<String> {
    assert!(answer["errors"].is_null(), "the query failed: {answer}");
    answer["data"]["invoices"]["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .filter_map(|n| n["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn list(schema: &ReadSchema, env: &Env, args: &str) -> Value {
    let query =
        format!("{{ invoices({args}) {{ nodes {{ id }} pageInfo {{ hasNextPage endCursor }} }} }}");
    run(schema, env.tenant_a, &query).await
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn pages_through_every_invoice_once_with_cursors(pool: PgPool) -> anyhow::Result<()> {
    let env = Env::new(&pool);
    let (ids, _) = invoices(&env).await?;
    let schema = env.schema(Limits::default());
    let mut seen = Vec::new();
    let mut after = String::new();
    for page in 0..3 {
        let answer = list(&schema, &env, &format!("first: 2{after}")).await;
        let got = ids_of(&answer);
        let info = &answer["data"]["invoices"]["pageInfo"];
        assert_eq!(got.len(), if page < 2 { 2 } else { 1 }, "{answer}");
        assert_eq!(info["hasNextPage"], page < 2, "{answer}");
        seen.extend(got);
        after = format!(", after: {}", info["endCursor"]);
    }
    let expected: HashSet<String> = ids.iter().map(Uuid::to_string).collect();
    assert_eq!(seen.len(), 5);
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), expected);
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn filters_by_status_type_receiver_dates_and_amounts(pool: PgPool) -> anyhow::Result<()> {
    let env = Env::new(&pool);
    let (ids, _) = invoices(&env).await?;
    let schema = env.schema(Limits::default());
    let set = |picked: &[usize]| -> HashSet<String> {
        picked.iter().map(|i| ids[*i].to_string()).collect()
    };
    for (filter, expected) in [
        ("status: AUTHORIZED", set(&[0, 3])),
        ("status: REJECTED", set(&[1])),
        ("voucherType: 6", set(&[2])),
        ("receiverDocNumber: \"0\"", set(&[2])),
        ("receiverName: \"cliENTE\"", set(&[0, 1, 3, 4])),
        ("receiverName: \"nadie\"", set(&[])),
        ("issuedTo: \"2025-06-30\"", set(&[3])),
        (
            "issuedFrom: \"2025-07-01\", status: REQUESTED",
            set(&[2, 4]),
        ),
        (
            "totalMin: \"1210.00\", totalMax: \"1210.00\", pointOfSale: 1",
            set(&[0, 1, 2, 3, 4]),
        ),
        ("totalMin: \"1210.01\"", set(&[])),
        ("issuerCuit: \"20111111112\"", set(&[])),
    ] {
        let answer = list(&schema, &env, &format!("filter: {{ {filter} }}")).await;
        let got: HashSet<String> = ids_of(&answer).into_iter().collect();
        assert_eq!(got, expected, "{filter}: {answer}");
    }
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_tenant_never_reads_another_tenants_invoice(pool: PgPool) -> anyhow::Result<()> {
    let env = Env::new(&pool);
    let (ids, other) = invoices(&env).await?;
    let schema = env.schema(Limits::default());
    let answer = list(&schema, &env, "first: 100").await;
    assert!(!ids_of(&answer).contains(&other.to_string()));
    let query = format!("{{ invoice(id: \"{other}\") {{ id events {{ eventId }} }} }}");
    let answer = run(&schema, env.tenant_a, &query).await;
    assert_eq!(answer, json!({"data": {"invoice": null}}));
    let query = format!("{{ invoice(id: \"{}\") {{ id }} }}", ids[0]);
    let answer = run(&schema, env.tenant_b, &query).await;
    assert_eq!(answer, json!({"data": {"invoice": null}}));
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_page_asking_for_event_streams_reads_them_in_one_go_and_each_invoice_gets_its_own(
    pool: PgPool,
) -> anyhow::Result<()> {
    let env = Env::new(&pool);
    let (ids, _) = invoices(&env).await?;
    let schema = env.schema(Limits::default());
    let later = "2999-01-01T00:00:00Z";
    let query = format!(
        "{{ invoices(first: 10) {{ nodes {{ id events {{ eventType }} \
         asOf(instant: \"{later}\") {{ version status }} }} }} }}"
    );
    let before = env.stream_reads();
    let answer = run(&schema, env.tenant_a, &query).await;
    assert!(answer["errors"].is_null(), "{answer}");
    assert_eq!(
        env.stream_reads() - before,
        1,
        "one read for the whole page"
    );
    let nodes = answer["data"]["invoices"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), ids.len());
    for node in nodes {
        let id: Uuid = node["id"].as_str().unwrap().parse()?;
        let stream = env.stream(env.tenant_a, id).await?;
        let types: Vec<&str> = node["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["eventType"].as_str())
            .collect();
        let expected: Vec<&str> = stream.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(types, expected, "{id}");
        assert_eq!(node["asOf"]["version"], stream.len() - 1, "{node}");
    }
    // Without `events` or `asOf`, no stream is read.
    let before = env.stream_reads();
    let plain = run(
        &schema,
        env.tenant_a,
        "{ invoices(first: 10) { nodes { id } } }",
    )
    .await;
    assert!(plain["errors"].is_null(), "{plain}");
    assert_eq!(env.stream_reads(), before);
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_invoice_comes_with_its_items_iva_qr_and_event_stream(
    pool: PgPool,
) -> anyhow::Result<()> {
    let env = Env::new(&pool);
    let (ids, _) = invoices(&env).await?;
    let query = format!(
        "{{ invoice(id: \"{}\") {{ status number cae total receiver {{ docNumber name }} \
         items {{ lineNo description quantity unitPrice iva net }} \
         ivaLines {{ rate base amount }} qrUrl events {{ eventType streamVersion }} }} }}",
        ids[0]
    );
    let answer = run(&env.schema(Limits::default()), env.tenant_a, &query).await;
    let invoice = &answer["data"]["invoice"];
    assert_eq!(invoice["status"], "authorized", "{answer}");
    assert_eq!(invoice["total"], "1210.00");
    assert_eq!(
        invoice["receiver"],
        json!({"docNumber": "30000000007", "name": "Cliente SA"})
    );
    assert_eq!(
        invoice["items"],
        json!([{"lineNo": 1, "description": "Producto", "quantity": "1", "unitPrice": "1000.00",
                "iva": "21", "net": "1000.00"}])
    );
    assert_eq!(
        invoice["ivaLines"],
        json!([{"rate": "21", "base": "1000.00", "amount": "210.00"}])
    );
    assert!(
        invoice["qrUrl"].as_str().is_some_and(|u| u.contains("?p=")),
        "{answer}"
    );
    let types: Vec<&str> = invoice["events"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["eventType"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        types,
        [
            "invoice.requested",
            "invoice.number_assigned",
            "invoice.submitted",
            "invoice.cae_granted"
        ]
    );
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn as_of_returns_the_state_before_a_later_event(pool: PgPool) -> anyhow::Result<()> {
    let env = Env::new(&pool);
    let (ids, _) = invoices(&env).await?;
    let events = env.stream(env.tenant_a, ids[0]).await?;
    let numbered = events[1].recorded_at;
    let before = events[0].recorded_at - time::Duration::seconds(1);
    let query = |instant: time::OffsetDateTime| -> anyhow::Result<String> {
        Ok(format!(
            "{{ invoice(id: \"{}\") {{ status asOf(instant: \"{}\") {{ version status number cae }} }} }}",
            ids[0],
            instant.format(&Rfc3339)?
        ))
    };
    let schema = env.schema(Limits::default());
    let then = run(&schema, env.tenant_a, &query(numbered)?).await;
    let invoice = &then["data"]["invoice"];
    assert_eq!(invoice["status"], "authorized", "{then}");
    assert_eq!(
        invoice["asOf"],
        json!({"version": 1, "status": "numbered", "number": 1, "cae": null})
    );
    let earlier = run(&schema, env.tenant_a, &query(before)?).await;
    assert_eq!(earlier["data"]["invoice"]["asOf"], Value::Null, "{earlier}");
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_cursor_not_made_here_and_a_bad_page_size_are_refused(pool: PgPool) {
    let env = Env::new(&pool);
    let schema = env.schema(Limits::default());
    let answer = list(&schema, &env, "after: \"not-a-cursor\"").await;
    assert_eq!(first_code(&answer), Some("invalid_cursor"), "{answer}");
    for args in ["first: 0", "first: 101", "filter: { issuerCuit: \"123\" }"] {
        let answer = list(&schema, &env, args).await;
        assert_eq!(
            first_code(&answer),
            Some("invalid_argument"),
            "{args}: {answer}"
        );
    }
}
