use uuid::Uuid;

use super::*;
use crate::aggregate::{Aggregate, DomainEvent};
use crate::ids::{ApiKeyId, TenantId};
use crate::testing::{NOW, Scenario, api_key_issued_v1, tenant_events};

fn tenant_id() -> TenantId {
    TenantId(Uuid::from_u128(0x7E))
}

fn key(n: u128) -> ApiKeyId {
    ApiKeyId(Uuid::from_u128(n))
}

fn created() -> TenantEvent {
    TenantEvent::Created(TenantCreated {
        tenant_id: tenant_id(),
        name: "Demo".to_owned(),
        created_at: NOW,
    })
}

fn issued(n: u128) -> TenantEvent {
    TenantEvent::ApiKeyIssued(ApiKeyIssued {
        key_id: key(n),
        secret_hash: "ab".repeat(32),
        secret_prefix: Some("abababab".to_owned()),
        label: "ci".to_owned(),
        scopes: vec![Scope::InvoicesRead],
        expires_at: None,
        issued_at: NOW,
    })
}

fn issue(n: u128) -> IssueApiKey {
    IssueApiKey {
        key_id: key(n),
        secret_hash: "ab".repeat(32),
        secret_prefix: "abababab".to_owned(),
        label: " ci ".to_owned(),
        scopes: vec![Scope::InvoicesRead, Scope::InvoicesRead],
        expires_at: None,
    }
}

#[test]
fn creates_a_tenant() {
    let state = Scenario::<Tenant>::given([])
        .when(CreateTenant {
            tenant_id: tenant_id(),
            name: "  Demo ".to_owned(),
        })
        .then([created()]);
    assert_eq!(state.id(), Some(tenant_id()));
    assert_eq!(state.name(), "Demo");
}

#[test]
fn refuses_to_create_a_tenant_twice() {
    Scenario::<Tenant>::given([created()])
        .when(CreateTenant {
            tenant_id: tenant_id(),
            name: "Demo".to_owned(),
        })
        .then_err(TenantError::AlreadyCreated);
}

#[test]
fn refuses_an_empty_tenant_name() {
    let err = Scenario::<Tenant>::given([])
        .when(CreateTenant {
            tenant_id: tenant_id(),
            name: " ".to_owned(),
        })
        .error();
    assert_eq!(
        (err.code(), err.field().as_deref()),
        ("invalid_tenant_name", Some("name"))
    );
}

#[test]
fn issues_an_api_key_that_is_then_active() {
    let state = Scenario::<Tenant>::given([created()])
        .when(issue(1))
        .then([issued(1)]);
    assert_eq!(state.active_keys().count(), 1);
    assert!(state.active_key(key(1)).is_some());
}

#[test]
fn refuses_to_issue_a_key_for_a_tenant_that_does_not_exist() {
    Scenario::<Tenant>::given([])
        .when(issue(1))
        .then_err(TenantError::NotCreated);
}

#[test]
fn refuses_a_key_id_that_exists() {
    Scenario::<Tenant>::given([created(), issued(1)])
        .when(issue(1))
        .then_err(TenantError::ApiKeyExists(key(1)));
}

#[test]
fn refuses_a_secret_hash_that_is_not_hex_sha256() {
    for bad in ["ab".repeat(31), "AB".repeat(32), "zz".repeat(32)] {
        Scenario::<Tenant>::given([created()])
            .when(IssueApiKey {
                secret_hash: bad,
                ..issue(1)
            })
            .then_err(TenantError::InvalidSecretHash);
    }
}

#[test]
fn refuses_a_label_longer_than_200_characters() {
    Scenario::<Tenant>::given([created()])
        .when(IssueApiKey {
            label: "x".repeat(201),
            ..issue(1)
        })
        .then_err(TenantError::InvalidLabel);
}

#[test]
fn revokes_an_active_key_which_stops_being_active() {
    let state = Scenario::<Tenant>::given([created(), issued(1), issued(2)])
        .when(RevokeApiKey { key_id: key(1) })
        .then([TenantEvent::ApiKeyRevoked(ApiKeyRevoked {
            key_id: key(1),
            revoked_at: NOW,
        })]);
    let active: Vec<_> = state.active_keys().map(|k| k.key_id).collect();
    assert_eq!(active, vec![key(2)]);
    assert!(state.active_key(key(1)).is_none());
    assert_eq!(state.api_keys().count(), 2);
}

#[test]
fn revoking_a_revoked_key_changes_nothing() {
    let revoked = TenantEvent::ApiKeyRevoked(ApiKeyRevoked {
        key_id: key(1),
        revoked_at: NOW,
    });
    Scenario::<Tenant>::given([created(), issued(1), revoked])
        .when(RevokeApiKey { key_id: key(1) })
        .then([]);
}

#[test]
fn refuses_to_revoke_an_unknown_key() {
    Scenario::<Tenant>::given([created()])
        .when(RevokeApiKey { key_id: key(9) })
        .then_err(TenantError::UnknownApiKey(key(9)));
}

#[test]
fn names_its_stream_after_the_tenant_uuid() {
    assert_eq!(
        Tenant::stream_id(tenant_id()).as_str(),
        "tenant-00000000-0000-0000-0000-00000000007e"
    );
    assert_eq!(Tenant::stream_id(tenant_id()).category(), "tenant");
}

#[test]
fn every_event_round_trips_through_its_stored_form() {
    let events = tenant_events();
    assert_eq!(events.len(), TenantEvent::TYPES.len());
    for event in events {
        let back =
            TenantEvent::from_stored(event.event_type(), event.schema_version(), &event.to_data())
                .unwrap();
        assert_eq!(back, event);
    }
}

#[test]
fn refuses_unknown_types_and_versions() {
    let data = created().to_data();
    assert_eq!(
        TenantEvent::from_stored("tenant.deleted", 1, &data)
            .unwrap_err()
            .to_string(),
        "unknown event type `tenant.deleted`"
    );
    assert!(matches!(
        TenantEvent::from_stored("tenant.created", 2, &data),
        Err(crate::aggregate::DecodeError::UnsupportedVersion { version: 2, .. })
    ));
    assert!(matches!(
        TenantEvent::from_stored("tenant.created", 1, &serde_json::json!({})),
        Err(crate::aggregate::DecodeError::InvalidData { .. })
    ));
}

#[test]
fn refuses_a_key_without_scopes() {
    Scenario::<Tenant>::given([created()])
        .when(IssueApiKey {
            scopes: vec![],
            ..issue(1)
        })
        .then_err(TenantError::NoScopes);
}

#[test]
fn refuses_a_key_that_expires_before_it_is_issued() {
    Scenario::<Tenant>::given([created()])
        .when(IssueApiKey {
            expires_at: Some(NOW),
            ..issue(1)
        })
        .then_err(TenantError::ExpiryInThePast);
}

#[test]
fn a_key_with_an_expiry_is_expired_from_that_instant() {
    let at = NOW + time::Duration::hours(1);
    let events = Scenario::<Tenant>::given([created()])
        .when(IssueApiKey {
            expires_at: Some(at),
            ..issue(1)
        })
        .events();
    let state = Tenant::replay(std::iter::once(&created()).chain(&events));
    let key = state.active_key(key(1)).unwrap();
    assert!(!key.is_expired(NOW));
    assert!(key.is_expired(at));
}

#[test]
fn reads_a_version_1_key_as_an_admin_key_that_never_expires() {
    let data = serde_json::to_value(api_key_issued_v1()).unwrap();
    let event = TenantEvent::from_stored("tenant.api_key_issued", 1, &data).unwrap();
    let TenantEvent::ApiKeyIssued(issued) = &event else {
        panic!("{event:?}");
    };
    assert_eq!(issued.scopes, vec![Scope::Admin]);
    assert_eq!(
        (issued.expires_at, issued.secret_prefix.as_deref()),
        (None, None)
    );
    assert_eq!(event.schema_version(), 2);
    let state = Tenant::replay([&created(), &event]);
    let key = state.active_key(issued.key_id).unwrap();
    assert!(key.scope_set().allows(Scope::TaxpayersManage));
}

#[test]
fn sets_a_rate_limit_and_setting_the_same_again_changes_nothing() {
    let limit = Some(RateLimit {
        per_second: 5,
        burst: 10,
    });
    let set = TenantEvent::RateLimitSet(RateLimitSet { limit, set_at: NOW });
    let state = Scenario::<Tenant>::given([created()])
        .when(SetRateLimit { limit })
        .then([set.clone()]);
    assert_eq!(state.rate_limit(), limit);
    Scenario::<Tenant>::given([created(), set])
        .when(SetRateLimit { limit })
        .then([]);
}

#[test]
fn refuses_a_rate_limit_of_zero() {
    Scenario::<Tenant>::given([created()])
        .when(SetRateLimit {
            limit: Some(RateLimit {
                per_second: 0,
                burst: 10,
            }),
        })
        .then_err(TenantError::InvalidRateLimit);
}

#[test]
fn sets_a_contact_email_which_clearing_removes_and_setting_again_changes_nothing() {
    let email = crate::values::EmailAddress::parse("admin@empresa.com.ar").ok();
    let set = TenantEvent::ContactEmailSet(ContactEmailSet {
        email: email.clone(),
        set_at: NOW,
    });
    let state = Scenario::<Tenant>::given([created()])
        .when(SetContactEmail {
            email: email.clone(),
        })
        .then([set.clone()]);
    assert_eq!(state.contact_email(), email.as_ref());
    Scenario::<Tenant>::given([created(), set.clone()])
        .when(SetContactEmail {
            email: email.clone(),
        })
        .then([]);
    let cleared = Scenario::<Tenant>::given([created(), set])
        .when(SetContactEmail { email: None })
        .then([TenantEvent::ContactEmailSet(ContactEmailSet {
            email: None,
            set_at: NOW,
        })]);
    assert_eq!(cleared.contact_email(), None);
    Scenario::<Tenant>::given([])
        .when(SetContactEmail { email })
        .then_err(TenantError::NotCreated);
}
