use time::Duration;
use uuid::Uuid;

use super::*;
use crate::aggregate::DomainEvent;
use crate::ids::SubscriptionId;
use crate::testing::{NOW, Scenario, webhook_events};

fn id() -> SubscriptionId {
    SubscriptionId(Uuid::from_u128(0x5B))
}

fn key(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn create() -> CreateSubscription {
    CreateSubscription {
        subscription_id: id(),
        url: " https://hooks.example.com/arca ".to_owned(),
        event_types: vec![
            "invoice.authorized".to_owned(),
            "invoice.rejected".to_owned(),
        ],
        description: Some(" erp ".to_owned()),
        key_id: key(1),
    }
}

fn created() -> SubscriptionEvent {
    SubscriptionEvent::Created(SubscriptionCreated {
        subscription_id: id(),
        url: "https://hooks.example.com/arca".to_owned(),
        event_types: vec![
            "invoice.authorized".to_owned(),
            "invoice.rejected".to_owned(),
        ],
        description: Some("erp".to_owned()),
        key_id: key(1),
    })
}

fn paused() -> SubscriptionEvent {
    SubscriptionEvent::Paused(SubscriptionPaused {})
}

fn disabled() -> SubscriptionEvent {
    SubscriptionEvent::Disabled(SubscriptionDisabled {
        reason: DisableReason::FailingSince,
        since: NOW,
    })
}

fn deleted() -> SubscriptionEvent {
    SubscriptionEvent::Deleted(SubscriptionDeleted {})
}

#[test]
fn creates_an_active_subscription_with_its_key_reference() {
    let state = Scenario::<Subscription>::given([])
        .when(create())
        .then([created()]);
    assert_eq!(state.status(), Some(SubscriptionStatus::Active));
    assert_eq!(state.key_id(), key(1));
    assert_eq!(state.url(), "https://hooks.example.com/arca");
}

#[test]
fn refuses_to_create_a_subscription_twice() {
    Scenario::<Subscription>::given([created()])
        .when(create())
        .then_err(SubscriptionError::AlreadyCreated);
}

#[test]
fn refuses_an_event_type_that_is_not_public_and_names_its_index() {
    let err = Scenario::<Subscription>::given([])
        .when(CreateSubscription {
            event_types: vec![
                "invoice.authorized".to_owned(),
                "invoice.cae_granted".to_owned(),
            ],
            ..create()
        })
        .error();
    assert_eq!(err.code(), "unknown_event_type");
    assert_eq!(err.field().as_deref(), Some("event_types[1]"));
}

#[test]
fn webhook_audit_events_cannot_be_subscribed_to() {
    for internal in ["webhook.subscription_created", "invoice.webhook_delivered"] {
        let err = Scenario::<Subscription>::given([])
            .when(CreateSubscription {
                event_types: vec![internal.to_owned()],
                ..create()
            })
            .error();
        assert_eq!(err.code(), "unknown_event_type");
    }
}

#[test]
fn drops_repeated_event_types() {
    let events = Scenario::<Subscription>::given([])
        .when(CreateSubscription {
            event_types: vec!["webhook.test".to_owned(), "webhook.test".to_owned()],
            ..create()
        })
        .events();
    let SubscriptionEvent::Created(e) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(e.event_types, vec!["webhook.test".to_owned()]);
}

#[test]
fn refuses_an_overlong_description_and_an_empty_url() {
    Scenario::<Subscription>::given([])
        .when(CreateSubscription {
            description: Some("x".repeat(501)),
            ..create()
        })
        .then_err(SubscriptionError::InvalidDescription);
    Scenario::<Subscription>::given([])
        .when(CreateSubscription {
            url: " ".to_owned(),
            ..create()
        })
        .then_err(SubscriptionError::InvalidUrl);
}

#[test]
fn an_update_records_only_what_changed() {
    Scenario::<Subscription>::given([created()])
        .when(UpdateSubscription {
            url: Some("https://hooks.example.com/arca".to_owned()),
            event_types: Some(vec![]),
            description: Some(String::new()),
        })
        .then([SubscriptionEvent::Updated(SubscriptionUpdated {
            url: None,
            event_types: Some(vec![]),
            description: Some(String::new()),
        })]);
    Scenario::<Subscription>::given([created()])
        .when(UpdateSubscription::default())
        .then([]);
}

#[test]
fn an_emptied_description_is_removed() {
    let state = Scenario::<Subscription>::given([created()])
        .when(UpdateSubscription {
            description: Some(" ".to_owned()),
            ..UpdateSubscription::default()
        })
        .then([SubscriptionEvent::Updated(SubscriptionUpdated {
            description: Some(String::new()),
            ..SubscriptionUpdated::default()
        })]);
    assert_eq!(state.description(), None);
}

#[test]
fn pauses_and_resumes() {
    let state = Scenario::<Subscription>::given([created()])
        .when(PauseSubscription)
        .then([paused()]);
    assert_eq!(state.status(), Some(SubscriptionStatus::Paused));
    let state = Scenario::<Subscription>::given([created(), paused()])
        .when(ResumeSubscription)
        .then([SubscriptionEvent::Resumed(SubscriptionResumed {})]);
    assert_eq!(state.status(), Some(SubscriptionStatus::Active));
}

#[test]
fn refuses_to_pause_twice_or_resume_an_active_subscription() {
    Scenario::<Subscription>::given([created(), paused()])
        .when(PauseSubscription)
        .then_err(SubscriptionError::AlreadyPaused);
    Scenario::<Subscription>::given([created()])
        .when(ResumeSubscription)
        .then_err(SubscriptionError::NotPaused);
}

#[test]
fn a_disabled_subscription_must_be_enabled_before_anything_else() {
    for cmd in [
        SubscriptionCommand::Pause,
        SubscriptionCommand::Resume,
        SubscriptionCommand::RequestTest(RequestTest { test_id: key(7) }),
    ] {
        Scenario::<Subscription>::given([created(), disabled()])
            .when(cmd)
            .then_err(SubscriptionError::Disabled);
    }
    let state = Scenario::<Subscription>::given([created(), disabled()])
        .when(EnableSubscription)
        .then([SubscriptionEvent::Enabled(SubscriptionEnabled {})]);
    assert_eq!(state.status(), Some(SubscriptionStatus::Active));
    assert_eq!(state.disabled(), None);
}

#[test]
fn refuses_to_enable_a_subscription_that_is_not_disabled() {
    Scenario::<Subscription>::given([created()])
        .when(EnableSubscription)
        .then_err(SubscriptionError::NotDisabled);
}

#[test]
fn disabling_records_why_and_disabling_again_changes_nothing() {
    let state = Scenario::<Subscription>::given([created(), paused()])
        .when(DisableSubscription {
            reason: DisableReason::FailingSince,
            since: NOW,
        })
        .then([disabled()]);
    assert_eq!(state.disabled(), Some((DisableReason::FailingSince, NOW)));
    Scenario::<Subscription>::given([created(), disabled()])
        .when(DisableSubscription {
            reason: DisableReason::Gone410,
            since: NOW,
        })
        .then([]);
}

#[test]
fn a_deleted_subscription_is_not_found_by_any_command() {
    Scenario::<Subscription>::given([created()])
        .when(DeleteSubscription)
        .then([deleted()]);
    for cmd in [
        SubscriptionCommand::Delete,
        SubscriptionCommand::Pause,
        SubscriptionCommand::Enable,
        SubscriptionCommand::Update(UpdateSubscription::default()),
        SubscriptionCommand::RotateSecret(RotateSecret {
            key_id: key(2),
            grace_seconds: 0,
        }),
    ] {
        Scenario::<Subscription>::given([created(), deleted()])
            .when(cmd)
            .then_err(SubscriptionError::NotFound);
    }
    Scenario::<Subscription>::given([])
        .when(PauseSubscription)
        .then_err(SubscriptionError::NotFound);
}

#[test]
fn rotating_names_the_new_key_and_when_the_old_one_stops() {
    let state = Scenario::<Subscription>::given([created()])
        .when(RotateSecret {
            key_id: key(2),
            grace_seconds: DEFAULT_GRACE_SECONDS,
        })
        .then([SubscriptionEvent::SecretRotated(SecretRotated {
            key_id: key(2),
            previous_key_id: key(1),
            previous_valid_until: NOW + Duration::days(1),
        })]);
    assert_eq!(state.key_id(), key(2));
}

#[test]
fn a_zero_grace_revokes_the_old_key_at_once_and_more_than_seven_days_is_refused() {
    let events = Scenario::<Subscription>::given([created()])
        .when(RotateSecret {
            key_id: key(2),
            grace_seconds: 0,
        })
        .events();
    assert!(
        matches!(&events[0], SubscriptionEvent::SecretRotated(e) if e.previous_valid_until == NOW)
    );
    Scenario::<Subscription>::given([created()])
        .when(RotateSecret {
            key_id: key(2),
            grace_seconds: MAX_GRACE_SECONDS + 1,
        })
        .then_err(SubscriptionError::InvalidGracePeriod);
    Scenario::<Subscription>::given([created()])
        .when(RotateSecret {
            key_id: key(1),
            grace_seconds: 0,
        })
        .then_err(SubscriptionError::KeyInUse);
}

#[test]
fn a_test_is_requested_only_of_an_active_subscription() {
    Scenario::<Subscription>::given([created()])
        .when(RequestTest { test_id: key(7) })
        .then([SubscriptionEvent::TestRequested(TestRequested {
            subscription_id: id(),
            test_id: key(7),
        })]);
    Scenario::<Subscription>::given([created(), paused()])
        .when(RequestTest { test_id: key(7) })
        .then_err(SubscriptionError::NotActive);
}

#[test]
fn names_its_stream_after_the_subscription_uuid() {
    let stream = Subscription::stream_id(id());
    assert_eq!(
        stream.as_str(),
        "webhook-subscription-00000000-0000-0000-0000-00000000005b"
    );
    assert_eq!(stream.category(), "webhook-subscription");
}

#[test]
fn every_event_round_trips_and_none_carries_a_secret_field() {
    let events = webhook_events();
    assert_eq!(events.len(), SubscriptionEvent::TYPES.len());
    for event in events {
        let data = event.to_data();
        let fields = data.as_object().expect("an object");
        for (name, value) in fields {
            assert!(
                !name.contains("secret") && !name.contains("ciphertext") && name != "key",
                "{data}"
            );
            assert!(
                !value.as_str().is_some_and(|v| v.starts_with("whsec_")),
                "{data}"
            );
        }
        let back =
            SubscriptionEvent::from_stored(event.event_type(), event.schema_version(), &data)
                .unwrap();
        assert_eq!(back, event);
    }
}

#[test]
fn the_public_event_types_never_include_webhook_bookkeeping() {
    for name in EVENT_TYPES {
        assert!(
            !SubscriptionEvent::TYPES.contains(name) && !name.starts_with("invoice.webhook_"),
            "{name}"
        );
    }
}
