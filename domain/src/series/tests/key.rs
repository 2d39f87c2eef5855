use super::*;
use crate::testing::cuit;
use crate::values::VoucherType;

fn key(environment: Environment) -> SeriesKey {
    SeriesKey {
        environment,
        cuit: cuit("20267565393"),
        point_of_sale: 4000,
        voucher_type: VoucherType::FacturaB,
    }
}

#[test]
fn names_the_stream_by_environment_cuit_point_of_sale_and_voucher_type() {
    assert_eq!(
        key(Environment::Produccion).stream_id().as_str(),
        "series-produccion-20267565393-4000-6"
    );
    assert_eq!(key(Environment::Sim).stream_id().category(), "series");
}

#[test]
fn each_environment_is_its_own_series() {
    let ids: Vec<String> = Environment::ALL
        .into_iter()
        .map(|e| key(e).stream_id().to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "series-sim-20267565393-4000-6",
            "series-homologacion-20267565393-4000-6",
            "series-produccion-20267565393-4000-6",
        ]
    );
}

#[test]
fn reads_a_key_back_from_its_stream_id() {
    for environment in Environment::ALL {
        let key = key(environment);
        assert_eq!(
            SeriesKey::from_stream_id(key.stream_id().as_str()),
            Some(key)
        );
    }
}

#[test]
fn each_tenant_numbers_in_a_stream_of_its_own_read_back_to_the_same_key() {
    let key = key(Environment::Homologacion);
    let (a, b) = (
        crate::TenantId(uuid::Uuid::from_u128(0xA)),
        crate::TenantId(uuid::Uuid::from_u128(0xB)),
    );
    assert_eq!(
        key.stream_for(a).as_str(),
        "series-homologacion-20267565393-4000-6-0000000000000000000000000000000a"
    );
    assert_ne!(key.stream_for(a), key.stream_for(b));
    assert_eq!(key.stream_for(a).category(), "series");
    assert_eq!(
        SeriesKey::from_stream_id(key.stream_for(b).as_str()),
        Some(key)
    );
}

#[test]
fn refuses_stream_ids_it_would_not_write() {
    for bad in [
        "invoice-20267565393-4000-6",
        "series-test-20267565393-4000-6",
        "series-sim-20267565394-4000-6",
        "series-sim-20267565393-04000-6",
        "series-sim-20267565393-4000-14",
        "series-sim-20267565393-4000-6-1",
        "series-sim-20267565393-4000-6-0000000000000000000000000000000A",
        "series-sim-20267565393-4000-6-0000000000000000000000000000000a-1",
        "series-sim-20267565393-4000",
    ] {
        assert_eq!(SeriesKey::from_stream_id(bad), None, "{bad}");
    }
}
