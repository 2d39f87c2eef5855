//! Analytics and the IVA sales book against hand-computed figures.

use domain::invoice::RequestInvoice;
use domain::testing::{factura_a, factura_b, rich_request};
use domain::values::Currency;
use projections::graphql::Limits;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sqlx::PgPool;
use time::macros::date;

use crate::support::{Env, Lifecycle, run};

/// Nota de Crédito A in pesos: net 1090.00, not taxed 25.00, exempt 50.00, tributes 10.00,
/// IVA 210.00 at 21 % and 9.45 at 10.5 %, total 1394.45.
fn credit_note() -> RequestInvoice {
    RequestInvoice {
        currency: Currency::PES,
        exchange_rate: Decimal::ONE,
        ..rich_request()
    }
}

/// Tenant A: in July an authorized Factura A (1210.00), Factura B (1210.00, final consumer) and
/// credit note (1394.45), a rejected and a pending Factura A; in June an authorized Factura A.
/// Tenant B: an authorized Factura A in July.
async fn month_of_sales(env: &Env) -> anyhow::Result<()> {
    let (a, b) = (env.tenant_a, env.tenant_b);
    env.invoice(a, factura_a(), Lifecycle::Authorized).await?;
    env.invoice(a, factura_b(), Lifecycle::Authorized).await?;
    env.invoice(a, credit_note(), Lifecycle::Authorized).await?;
    env.invoice(a, factura_a(), Lifecycle::Rejected).await?;
    env.invoice(a, factura_a(), Lifecycle::Requested).await?;
    let june = RequestInvoice {
        issue_date: date!(2025 - 06 - 30),
        ..factura_a()
    };
    env.invoice(a, june, Lifecycle::Authorized).await?;
    env.invoice(b, factura_a(), Lifecycle::Authorized).await?;
    env.project().await
}

const BOOK: &str = "{ ivaSalesBook(month: \"2025-07\") { month \
    lines { voucherType receiverDocNumber net notTaxed exempt tributes total iva { rate base amount } } \
    totals { vouchers net notTaxed exempt tributes total ivaTotal iva { rate base amount } } } }";

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn the_sales_book_lists_authorized_vouchers_with_credit_notes_negative(
    pool: PgPool,
) -> anyhow::Result<()> {
    let env = Env::new(&pool);
    month_of_sales(&env).await?;
    let answer = run(&env.schema(Limits::default()), env.tenant_a, BOOK).await;
    let book = &answer["data"]["ivaSalesBook"];
    assert_eq!(book["month"], "2025-07", "{answer}");
    let lines = book["lines"].as_array().cloned().unwrap_or_default();
    let kinds: Vec<(&Value, &Value)> = lines
        .iter()
        .map(|l| (&l["voucherType"], &l["total"]))
        .collect();
    assert_eq!(
        kinds,
        [
            (&json!(1), &json!("1210.00")),
            (&json!(3), &json!("-1394.45")),
            (&json!(6), &json!("1210.00")),
        ]
    );
    assert_eq!(
        lines[1],
        json!({"voucherType": 3, "receiverDocNumber": "30000000007", "net": "-1090.00",
               "notTaxed": "-25.00", "exempt": "-50.00", "tributes": "-10.00", "total": "-1394.45",
               "iva": [{"rate": "10.5", "base": "-90.00", "amount": "-9.45"},
                       {"rate": "21", "base": "-1000.00", "amount": "-210.00"}]})
    );
    assert_eq!(
        book["totals"],
        json!({"vouchers": 3, "net": "910.00", "notTaxed": "-25.00", "exempt": "-50.00",
               "tributes": "-10.00", "total": "1025.55", "ivaTotal": "200.55",
               "iva": [{"rate": "10.5", "base": "-90.00", "amount": "-9.45"},
                       {"rate": "21", "base": "1000.00", "amount": "210.00"}]})
    );

    let other_issuer = run(
        &env.schema(Limits::default()),
        env.tenant_a,
        "{ ivaSalesBook(month: \"2025-07\", issuerCuit: \"20111111112\") { totals { vouchers } } }",
    )
    .await;
    assert_eq!(
        other_issuer["data"]["ivaSalesBook"]["totals"]["vouchers"],
        0
    );
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn each_tenant_sees_only_its_own_figures(pool: PgPool) -> anyhow::Result<()> {
    let env = Env::new(&pool);
    month_of_sales(&env).await?;
    let schema = env.schema(Limits::default());
    let query = "{ ivaSalesBook(month: \"2025-07\") { totals { vouchers total } } \
        analytics(from: \"2025-06-01\", to: \"2025-07-31\") { approvalRate { authorized rejected } } }";
    let answer = run(&schema, env.tenant_b, query).await;
    assert_eq!(
        answer["data"],
        json!({"ivaSalesBook": {"totals": {"vouchers": 1, "total": "1210.00"}},
               "analytics": {"approvalRate": {"authorized": 1, "rejected": 0}}})
    );
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn analytics_count_and_add_up_by_period_type_and_status(pool: PgPool) -> anyhow::Result<()> {
    let env = Env::new(&pool);
    month_of_sales(&env).await?;
    let query = "{ analytics(from: \"2025-06-01\", to: \"2025-07-31\") { \
        daily { period voucherType status count total } \
        monthly { period voucherType status count total } \
        ivaByRate { rate base amount } \
        topReceivers(limit: 5) { docType docNumber name count amount } \
        approvalRate { authorized rejected rate } } }";
    let answer = run(&env.schema(Limits::default()), env.tenant_a, query).await;
    let figures = &answer["data"]["analytics"];
    let bucket = |period: &str, t: u16, status: &str, total: &str| json!({"period": period, "voucherType": t, "status": status, "count": 1, "total": total});
    assert_eq!(
        figures["daily"],
        json!([
            bucket("2025-06-30", 1, "authorized", "1210.00"),
            bucket("2025-07-01", 1, "authorized", "1210.00"),
            bucket("2025-07-01", 1, "rejected", "1210.00"),
            bucket("2025-07-01", 1, "requested", "1210.00"),
            bucket("2025-07-01", 3, "authorized", "1394.45"),
            bucket("2025-07-01", 6, "authorized", "1210.00"),
        ]),
        "{answer}"
    );
    assert_eq!(
        figures["monthly"][0],
        bucket("2025-06-01", 1, "authorized", "1210.00")
    );
    assert_eq!(
        figures["monthly"][1],
        bucket("2025-07-01", 1, "authorized", "1210.00")
    );
    assert_eq!(figures["monthly"].as_array().map(Vec::len), Some(6));
    // June's Factura A adds 1000.00 at 21 %.
    assert_eq!(
        figures["ivaByRate"],
        json!([{"rate": "10.5", "base": "-90.00", "amount": "-9.45"},
               {"rate": "21", "base": "2000.00", "amount": "420.00"}])
    );
    assert_eq!(
        figures["topReceivers"],
        json!([{"docType": 99, "docNumber": "0", "name": null, "count": 1, "amount": "1210.00"},
               {"docType": 80, "docNumber": "30000000007", "name": "Cliente SA", "count": 3,
                "amount": "1025.55"}])
    );
    assert_eq!(
        figures["approvalRate"],
        json!({"authorized": 4, "rejected": 1, "rate": 0.8})
    );
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn cae_latency_is_the_mean_and_95th_percentile_from_request_to_cae(
    pool: PgPool,
) -> anyhow::Result<()> {
    let env = Env::new(&pool);
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            env.invoice(env.tenant_a, factura_a(), Lifecycle::Authorized)
                .await?,
        );
    }
    env.invoice(env.tenant_a, factura_a(), Lifecycle::Rejected)
        .await?;
    env.project().await?;
    // Every request was decided at NOW; the CAE's instant is when the store recorded it.
    let mut seconds = Vec::new();
    for id in ids {
        let events = env.stream(env.tenant_a, id).await?;
        let granted = events
            .iter()
            .find(|e| e.event_type == "invoice.cae_granted")
            .ok_or_else(|| anyhow::anyhow!("no cae_granted"))?;
        seconds.push((granted.recorded_at - domain::testing::NOW).as_seconds_f64());
    }
    seconds.sort_by(f64::total_cmp);
    let mean = seconds.iter().sum::<f64>() / 3.0;
    // percentile_cont(0.95) over 3 values: 1.9 of the way from the first to the third.
    let p95 = seconds[1] + 0.9 * (seconds[2] - seconds[1]);
    let query = "{ analytics(from: \"2025-07-01\", to: \"2025-07-01\") { \
        caeLatency { count averageSeconds p95Seconds } } }";
    let answer = run(&env.schema(Limits::default()), env.tenant_a, query).await;
    let latency = &answer["data"]["analytics"]["caeLatency"];
    assert_eq!(latency["count"], 3, "{answer}");
    let close = |got: &Value, want: f64| got.as_f64().is_some_and(|g| (g - want).abs() < 1e-3);
    assert!(
        close(&latency["averageSeconds"], mean),
        "{latency} vs {mean}"
    );
    assert!(close(&latency["p95Seconds"], p95), "{latency} vs {p95}");
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn amounts_in_another_currency_are_converted_to_pesos(pool: PgPool) -> anyhow::Result<()> {
    let env = Env::new(&pool);
    // USD 1000.00 + 21 % at ARS 1050.50 per dollar.
    let dollars = RequestInvoice {
        currency: Currency::DOL,
        exchange_rate: Decimal::new(105_050, 2),
        ..factura_a()
    };
    env.invoice(env.tenant_a, dollars, Lifecycle::Authorized)
        .await?;
    env.project().await?;
    let query = "{ ivaSalesBook(month: \"2025-07\") { totals { net ivaTotal total } } \
        analytics(from: \"2025-07-01\", to: \"2025-07-31\") { ivaByRate { rate base amount } \
        daily { total } topReceivers { amount } } }";
    let answer = run(&env.schema(Limits::default()), env.tenant_a, query).await;
    let data = &answer["data"];
    assert_eq!(
        data["ivaSalesBook"]["totals"],
        json!({"net": "1050500.00", "ivaTotal": "220605.00", "total": "1271105.00"}),
        "{answer}"
    );
    assert_eq!(
        data["analytics"]["ivaByRate"],
        json!([{"rate": "21", "base": "1050500.00", "amount": "220605.00"}])
    );
    assert_eq!(data["analytics"]["daily"], json!([{"total": "1271105.00"}]));
    assert_eq!(
        data["analytics"]["topReceivers"],
        json!([{"amount": "1271105.00"}])
    );
    Ok(())
}
