use time::Duration;

use super::*;
use crate::aggregate::DomainEvent;
use crate::series::Environment;
use crate::testing::{NOW, Scenario};

fn mark_unavailable(failures: u32) -> MarkUnavailable {
    MarkUnavailable {
        environment: Environment::Sim,
        since: NOW,
        reason: " HTTP 500 Internal Server Error ".to_owned(),
        failures,
    }
}

fn unavailable() -> ArcaServiceEvent {
    ArcaServiceEvent::Unavailable(ArcaUnavailable {
        environment: Environment::Sim,
        since: NOW,
        reason: "HTTP 500 Internal Server Error".to_owned(),
        consecutive_failures: 5,
    })
}

fn available_after(ms: i64) -> ArcaServiceEvent {
    ArcaServiceEvent::Available(ArcaAvailable {
        environment: Environment::Sim,
        unavailable_since: NOW,
        at: NOW + Duration::milliseconds(ms),
        downtime_ms: u64::try_from(ms).unwrap(),
    })
}

#[test]
fn an_outage_starts_when_arca_was_available() {
    let state = Scenario::<ArcaService>::given([])
        .when(mark_unavailable(5))
        .then([unavailable()]);
    assert!(!state.is_available());
    assert_eq!(state.unavailable_since(), Some(NOW));
}

#[test]
fn a_second_breaker_tripping_over_the_same_outage_records_nothing() {
    Scenario::<ArcaService>::given([unavailable()])
        .when(mark_unavailable(7))
        .then([]);
}

#[test]
fn an_outage_ends_with_its_downtime() {
    let state = Scenario::<ArcaService>::given([unavailable()])
        .when(MarkAvailable {
            at: NOW + Duration::milliseconds(2_500),
        })
        .then([available_after(2_500)]);
    assert!(state.is_available());
}

#[test]
fn arca_answering_while_available_records_nothing() {
    Scenario::<ArcaService>::given([])
        .when(MarkAvailable { at: NOW })
        .then([]);
    Scenario::<ArcaService>::given([unavailable(), available_after(10)])
        .when(MarkAvailable { at: NOW })
        .then([]);
}

#[test]
fn a_new_outage_can_start_after_the_last_one_ended() {
    Scenario::<ArcaService>::given([unavailable(), available_after(10)])
        .when(mark_unavailable(5))
        .then([unavailable()]);
}

#[test]
fn a_clock_that_went_back_gives_no_negative_downtime() {
    let events = Scenario::<ArcaService>::given([unavailable()])
        .when(MarkAvailable {
            at: NOW - Duration::seconds(1),
        })
        .events();
    let ArcaServiceEvent::Available(e) = &events[0] else {
        panic!("{events:?}");
    };
    assert_eq!(e.downtime_ms, 0);
}

#[test]
fn refuses_an_outage_without_failures() {
    Scenario::<ArcaService>::given([])
        .when(mark_unavailable(0))
        .then_err(ArcaServiceError::NoFailures);
}

#[test]
fn refuses_an_outage_of_another_environment() {
    let mut cmd = mark_unavailable(5);
    cmd.environment = Environment::Produccion;
    Scenario::<ArcaService>::given([unavailable(), available_after(1)])
        .when(cmd)
        .then_err(ArcaServiceError::WrongEnvironment {
            stream: "sim",
            reported: "produccion",
        });
}

#[test]
fn keeps_at_most_500_characters_of_the_reason() {
    let mut cmd = mark_unavailable(5);
    cmd.reason = "x".repeat(2_000);
    let events = Scenario::<ArcaService>::given([]).when(cmd).events();
    let ArcaServiceEvent::Unavailable(e) = &events[0] else {
        panic!("{events:?}");
    };
    assert_eq!(e.reason.len(), 500);
}

#[test]
fn events_round_trip_through_their_stored_form() {
    for event in [unavailable(), available_after(42)] {
        let data = event.to_data();
        let back = ArcaServiceEvent::from_stored(event.event_type(), event.schema_version(), &data)
            .unwrap();
        assert_eq!(back, event);
    }
    assert_eq!(unavailable().event_type(), "arca.unavailable");
    assert_eq!(available_after(1).event_type(), "arca.available");
}

#[test]
fn the_stream_is_named_after_the_environment() {
    assert_eq!(
        ArcaService::stream_id(Environment::Sim).as_str(),
        "arca-sim"
    );
}

#[test]
fn an_outage_reason_never_names_an_issuer() {
    // The event reaches every subscribed tenant: a CUIT in it would be another tenant's data.
    for (reported, shown) in [
        (
            "WSAA ticket of 20-12345678-6: transport error in loginCms: timed out",
            "WSAA ticket of [cuit]: transport error in loginCms: timed out",
        ),
        (
            "SOAP fault in FECAESolicitar: 600: ValidacionDeToken: cuit 30712345678 no autorizado",
            "SOAP fault in FECAESolicitar: 600: ValidacionDeToken: cuit [cuit] no autorizado",
        ),
        ("HTTP 503 after 1234567 ms", "HTTP 503 after 1234567 ms"),
    ] {
        let events = Scenario::<ArcaService>::given([])
            .when(MarkUnavailable {
                reason: reported.to_owned(),
                ..mark_unavailable(5)
            })
            .events();
        let [ArcaServiceEvent::Unavailable(event)] = events.as_slice() else {
            panic!("one arca.unavailable expected, got {events:?}");
        };
        assert_eq!(event.reason, shown);
    }
}
