//! `/v1/taxpayers/{cuit}/certificate-requests` and `/v1/taxpayers/{cuit}/certificate`: a key made
//! server-side with the CSR to take to ARCA, and the installation of the signed certificate (or of
//! a certificate with the key the user already has). Keys are never echoed.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use domain::{taxpayer::Taxpayer, values::Cuit};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{
    error::{ApiError, FieldError},
    extract::{ApiJson, ApiPath, CommandHeaders},
    state::AppState,
};
use commands::{
    credentials::{self, CertificateError, CredentialFailure, OwnKey},
    tenants::Principal,
};

const MAX_NAME: usize = 64;

/// Body of `POST /v1/taxpayers/{cuit}/certificate-requests`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateRequestBody {
    /// The certificate's alias (`CN`), as it will be named at ARCA. Default `facturacion`.
    #[schema(value_type = Option<crate::shapes::CertificateName>)]
    pub alias: Option<String>,
    /// The organization (`O`). Default: the taxpayer's legal name.
    #[schema(value_type = Option<crate::shapes::CertificateName>)]
    pub organization: Option<String>,
}

/// A certificate request: the CSR to upload to ARCA's certificate page.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateRequestView {
    /// The request's id (the reference of the key made for it).
    pub request_id: uuid::Uuid,
    /// The CSR, PEM.
    pub csr: String,
    /// Its subject.
    pub subject: String,
}

/// Body of `PUT /v1/taxpayers/{cuit}/certificate`. Without `private_key`, the certificate must be
/// the one ARCA signed for a pending request of this taxpayer.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallCertificateBody {
    /// The certificate, PEM.
    #[schema(value_type = crate::shapes::Text)]
    pub certificate: String,
    /// Its private key, PEM (PKCS#1, PKCS#8 or encrypted PKCS#8), when it was not made here.
    #[schema(value_type = Option<crate::shapes::Text>)]
    pub private_key: Option<String>,
    /// The passphrase of an encrypted `private_key`.
    #[schema(value_type = Option<crate::shapes::Text>)]
    pub passphrase: Option<String>,
}

impl std::fmt::Debug for InstallCertificateBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstallCertificateBody")
            .field(
                "private_key",
                &self.private_key.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// An installed certificate, as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateView {
    /// `sim`, `homologacion` or `produccion`.
    pub environment: String,
    /// Hex SHA-256 of the certificate's DER.
    pub fingerprint_sha256: String,
    /// Serial number, hex.
    pub serial: String,
    /// Subject.
    pub subject: String,
    /// Valid from (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// Valid until (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// Whether the 30-day expiry notice was recorded.
    pub expiring: bool,
}

/// Makes a private key server-side (kept encrypted, never returned) and answers the CSR to take
/// to ARCA.
#[utoipa::path(post, path = "/v1/taxpayers/{cuit}/certificate-requests", operation_id = "request_certificate", tag = "taxpayers",
    params(("cuit" = crate::shapes::Cuit, Path, description = "The issuer's CUIT")),
    request_body = CertificateRequestBody,
    responses((status = 201, body = CertificateRequestView), (status = 404, body = super::Problem),
              (status = 422, body = super::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "taxpayers.request_certificate", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn request(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    ApiPath(cuit): ApiPath<String>,
    ApiJson { value: body, .. }: ApiJson<CertificateRequestBody>,
) -> Result<Response, ApiError> {
    let cuit = path_cuit(&cuit)?;
    let alias = name_field("alias", body.alias.as_deref())?.unwrap_or("facturacion");
    let org = name_field("organization", body.organization.as_deref())?;
    let organization = match org {
        Some(org) => org.to_owned(),
        None => legal_name(&state, &principal, cuit).await?,
    };
    let metadata = headers.metadata(&principal);
    let (prepared, _) = credentials::request_certificate(
        state.certificate_deps(),
        &state.context(),
        metadata,
        cuit,
        alias,
        &organization,
    )
    .await?;
    let view = CertificateRequestView {
        request_id: prepared.key_id,
        csr: prepared.csr_pem,
        subject: prepared.subject,
    };
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// Installs the issuer's certificate for this deployment's ARCA environment.
#[utoipa::path(put, path = "/v1/taxpayers/{cuit}/certificate", operation_id = "install_certificate", tag = "taxpayers",
    params(("cuit" = crate::shapes::Cuit, Path, description = "The issuer's CUIT")),
    request_body = InstallCertificateBody,
    responses((status = 200, body = CertificateView), (status = 404, body = super::Problem),
              (status = 422, body = super::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "taxpayers.install_certificate", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn install(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    ApiPath(cuit): ApiPath<String>,
    ApiJson { value: body, .. }: ApiJson<InstallCertificateBody>,
) -> Result<Response, ApiError> {
    let cuit = path_cuit(&cuit)?;
    let own_key = body.private_key.map(|pem| OwnKey {
        pem,
        passphrase: body.passphrase.filter(|p| !p.is_empty()),
    });
    let (facts, executed) = credentials::install_certificate(
        state.certificate_deps(),
        &state.context(),
        headers.metadata(&principal),
        cuit,
        &body.certificate,
        own_key.as_ref(),
    )
    .await?;
    let environment = state.certificate_deps().credentials.environment();
    let view = executed
        .state
        .certificates()
        .installed(environment)
        .filter(|c| c.fingerprint_sha256 == facts.fingerprint_sha256)
        .map(|c| certificate_view(environment, c))
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("installed certificate missing")))?;
    Ok((StatusCode::OK, Json(view)).into_response())
}

/// The API view of an installed certificate.
pub fn certificate_view(
    environment: domain::series::Environment,
    cert: &domain::taxpayer::InstalledCertificate,
) -> CertificateView {
    CertificateView {
        environment: environment.as_str().to_owned(),
        fingerprint_sha256: cert.fingerprint_sha256.clone(),
        serial: cert.serial.clone(),
        subject: cert.subject.clone(),
        not_before: cert.not_before,
        not_after: cert.not_after,
        expiring: cert.expiry_noted,
    }
}

async fn legal_name(
    state: &AppState,
    principal: &Principal,
    cuit: Cuit,
) -> Result<String, ApiError> {
    let stream = Taxpayer::stream_id(principal.tenant_id, &cuit);
    let (taxpayer, _) =
        commands::handler::load::<Taxpayer>(state.store(), principal.tenant_id, &stream).await?;
    taxpayer
        .profile()
        .map(|p| p.legal_name.clone())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_registered",
                "the taxpayer is not registered",
            )
        })
}

fn name_field<'a>(field: &str, value: Option<&'a str>) -> Result<Option<&'a str>, ApiError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > MAX_NAME || value.chars().any(char::is_control) {
        return Err(ApiError::validation(vec![FieldError {
            field: field.to_owned(),
            code: format!("invalid_{field}"),
            detail: format!("must have at most {MAX_NAME} characters and no control characters"),
        }]));
    }
    Ok(Some(value))
}

fn path_cuit(text: &str) -> Result<Cuit, ApiError> {
    Cuit::parse(text).map_err(|_| ApiError::not_found("no such taxpayer"))
}

impl From<CertificateError> for ApiError {
    fn from(err: CertificateError) -> Self {
        match err {
            CertificateError::Command(err) => err.into(),
            CertificateError::Credential(err) => err.into(),
        }
    }
}

impl From<CredentialFailure> for ApiError {
    fn from(err: CredentialFailure) -> Self {
        let (field, code) = match &err {
            CredentialFailure::InvalidCertificate(_) => ("certificate", "invalid_certificate"),
            CredentialFailure::InvalidKey(_) => ("private_key", "invalid_private_key"),
            CredentialFailure::KeyMismatch => ("private_key", "certificate_key_mismatch"),
            CredentialFailure::InvalidRequest(_) => ("alias", "invalid_certificate_request"),
            CredentialFailure::Unavailable(_) => ("", ""),
        };
        if let CredentialFailure::Unavailable(cause) = err {
            return Self::unavailable(cause);
        }
        Self::validation(vec![FieldError {
            field: field.to_owned(),
            code: code.to_owned(),
            detail: err.to_string(),
        }])
    }
}
