//! `/v1/taxpayers`: register issuers and their points of sale.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use domain::{
    taxpayer::{self as tp, Taxpayer, TaxpayerCommand},
    values::{Cuit, IssuerIvaCondition},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    error::ApiError,
    extract::{ApiJson, ApiPath, CommandHeaders},
    fields::Fields,
    state::AppState,
};
use commands::{
    handler::{self, Command, EventIds, Executed},
    tenants::Principal,
};

/// Body of `POST /v1/taxpayers`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterTaxpayer {
    /// 11 digits, dashes allowed (`20-26756539-3`).
    #[schema(value_type = crate::shapes::Cuit)]
    pub cuit: String,
    /// Razón social.
    #[schema(value_type = crate::shapes::Name200)]
    pub legal_name: String,
    /// `responsable_inscripto`, `monotributo` or `exento`.
    #[schema(example = "responsable_inscripto", value_type = String,
             pattern = "^(responsable_inscripto|monotributo|exento)$")]
    pub iva_condition: String,
    /// Domicilio comercial, printed on the issuer's vouchers.
    #[schema(value_type = Option<crate::shapes::Text200>, example = "Av. Corrientes 1234, CABA")]
    pub address: Option<String>,
    /// Número de Ingresos Brutos, printed on the issuer's vouchers (at most 50 characters).
    #[schema(value_type = Option<crate::shapes::Text50>, example = "901-123456-7")]
    pub gross_income_number: Option<String>,
    /// Inicio de actividades (`YYYY-MM-DD`), printed on the issuer's vouchers.
    #[schema(value_type = Option<crate::shapes::CalendarDate>)]
    pub activity_start_date: Option<String>,
}

/// Body of `POST /v1/taxpayers/{cuit}/points-of-sale`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddPointOfSale {
    /// 1..=99998, as registered with ARCA for web services (RECE).
    #[schema(minimum = 1, maximum = 99998, example = 1)]
    pub number: u32,
    /// A name for people.
    #[schema(value_type = Option<crate::shapes::Text200>)]
    pub name: Option<String>,
}

/// An issuer as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaxpayerView {
    /// 11 digits.
    pub cuit: String,
    /// Razón social.
    pub legal_name: String,
    /// `responsable_inscripto`, `monotributo` or `exento`.
    pub iva_condition: String,
    /// Domicilio comercial.
    pub address: Option<String>,
    /// Número de Ingresos Brutos.
    pub gross_income_number: Option<String>,
    /// Inicio de actividades (`YYYY-MM-DD`).
    #[schema(value_type = Option<crate::shapes::CalendarDate>)]
    pub activity_start_date: Option<String>,
    /// Registered points of sale.
    pub points_of_sale: Vec<PointOfSaleView>,
    /// Installed ARCA certificates, one per environment (never their keys).
    pub certificates: Vec<super::certificates::CertificateView>,
    /// Stream version; send it back as `If-Match` to change the taxpayer only if nobody else did.
    pub version: u64,
}

/// A point of sale.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointOfSaleView {
    /// Its number.
    pub number: u32,
    /// Its name, if given.
    pub name: Option<String>,
}

/// Registers an issuer for the caller's tenant.
#[utoipa::path(post, path = "/v1/taxpayers", operation_id = "register_taxpayer", tag = "taxpayers",
    request_body = RegisterTaxpayer,
    responses((status = 201, body = TaxpayerView), (status = 409, body = super::Problem), (status = 422, body = super::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "taxpayers.register", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn register(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    ApiJson { value: body, .. }: ApiJson<RegisterTaxpayer>,
) -> Result<Response, ApiError> {
    let mut fields = Fields::default();
    let cuit = fields.take("cuit", Cuit::parse(body.cuit.trim()));
    let condition = parse_condition(&mut fields, &body.iva_condition);
    let legal_name = body.legal_name.trim().to_owned();
    if legal_name.is_empty() || legal_name.chars().count() > 200 {
        fields.add(
            "legal_name",
            "invalid_legal_name",
            "must have 1 to 200 characters",
        );
    }
    let activity_start_date = body.activity_start_date.as_deref().and_then(|text| {
        domain::values::date::parse(text.trim())
            .map_err(|_| {
                fields.add(
                    "activity_start_date",
                    "invalid_date",
                    format!("`{text}` is not a YYYY-MM-DD date"),
                );
            })
            .ok()
    });
    fields.finish()?;
    let (Some(cuit), Some(iva_condition)) = (cuit, condition) else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "validated fields missing"
        )));
    };
    let command = TaxpayerCommand::Register(tp::RegisterTaxpayer {
        cuit,
        legal_name,
        address: body.address,
        iva_condition,
        gross_income_number: body.gross_income_number,
        activity_start_date,
    });
    let executed = run(&state, principal, &headers, cuit, command).await?;
    Ok(created(&cuit, &executed))
}

/// Adds a point of sale to an issuer.
#[utoipa::path(post, path = "/v1/taxpayers/{cuit}/points-of-sale", tag = "taxpayers",
    params(("cuit" = crate::shapes::Cuit, Path, description = "The issuer's CUIT"),
           ("If-Match" = Option<crate::shapes::Version>, Header, nullable = false, description = "ETag of the taxpayer the change is based on")),
    request_body = AddPointOfSale,
    responses((status = 201, body = TaxpayerView), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "taxpayers.add_point_of_sale", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn add_point_of_sale(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    ApiPath(cuit): ApiPath<String>,
    ApiJson { value: body, .. }: ApiJson<AddPointOfSale>,
) -> Result<Response, ApiError> {
    let cuit = path_cuit(&cuit)?;
    let command = TaxpayerCommand::AddPointOfSale(tp::AddPointOfSale {
        number: body.number,
        name: body.name,
    });
    let executed = run(&state, principal, &headers, cuit, command).await?;
    Ok(created(&cuit, &executed))
}

/// An issuer and its points of sale.
#[utoipa::path(get, path = "/v1/taxpayers/{cuit}", operation_id = "get_taxpayer", tag = "taxpayers",
    params(("cuit" = crate::shapes::Cuit, Path, description = "The issuer's CUIT")),
    responses((status = 200, body = TaxpayerView), (status = 404, body = super::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "taxpayers.get", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(cuit): ApiPath<String>,
) -> Result<Response, ApiError> {
    let cuit = path_cuit(&cuit)?;
    let stream = Taxpayer::stream_id(principal.tenant_id, &cuit);
    let (taxpayer, version) =
        handler::load::<Taxpayer>(state.store(), principal.tenant_id, &stream).await?;
    let version = version.ok_or_else(|| ApiError::not_found("no such taxpayer"))?;
    let view = view(&taxpayer, version);
    Ok((etag(version), Json(view)).into_response())
}

async fn run(
    state: &AppState,
    principal: Principal,
    headers: &CommandHeaders,
    cuit: Cuit,
    command: TaxpayerCommand,
) -> Result<Executed<Taxpayer>, ApiError> {
    let metadata = headers.metadata(&principal);
    let command = Command::<Taxpayer> {
        stream: Taxpayer::stream_id(principal.tenant_id, &cuit),
        command,
        metadata,
        expected: headers.if_match,
        fresh_stream: false,
        event_ids: EventIds::Fresh,
    };
    let executed =
        handler::execute(state.store(), state.metrics(), &state.context(), command).await?;
    if let Some(snapshot) = executed.state.snapshot() {
        state.issuers().put(principal.tenant_id, snapshot);
    }
    Ok(executed)
}

fn created(cuit: &Cuit, executed: &Executed<Taxpayer>) -> Response {
    let version = executed.version.unwrap_or_default();
    let mut headers = etag(version);
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/taxpayers/{cuit}")) {
        headers.insert(header::LOCATION, location);
    }
    (
        StatusCode::CREATED,
        headers,
        Json(view(&executed.state, version)),
    )
        .into_response()
}

fn etag(version: u64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{version}\"")) {
        headers.insert(header::ETAG, value);
    }
    headers
}

fn view(taxpayer: &Taxpayer, version: u64) -> TaxpayerView {
    let profile = taxpayer.profile();
    TaxpayerView {
        cuit: taxpayer.cuit().map(|c| c.to_string()).unwrap_or_default(),
        legal_name: taxpayer
            .profile()
            .map(|p| p.legal_name.clone())
            .unwrap_or_default(),
        iva_condition: taxpayer
            .iva_condition()
            .map(condition_name)
            .unwrap_or_default()
            .to_owned(),
        address: profile.and_then(|p| p.address.clone()),
        gross_income_number: profile.and_then(|p| p.gross_income_number.clone()),
        activity_start_date: profile
            .and_then(|p| p.activity_start_date)
            .map(domain::values::date::format),
        points_of_sale: taxpayer
            .points_of_sale()
            .map(|pos| PointOfSaleView {
                number: pos.number,
                name: pos.name.clone(),
            })
            .collect(),
        certificates: taxpayer
            .certificates()
            .all_installed()
            .map(|(env, cert)| super::certificates::certificate_view(env, cert))
            .collect(),
        version,
    }
}

pub(crate) fn path_cuit(text: &str) -> Result<Cuit, ApiError> {
    Cuit::parse(text).map_err(|_| ApiError::not_found("no such taxpayer"))
}

fn parse_condition(fields: &mut Fields, text: &str) -> Option<IssuerIvaCondition> {
    let condition = match text {
        "responsable_inscripto" => IssuerIvaCondition::ResponsableInscripto,
        "monotributo" => IssuerIvaCondition::Monotributo,
        "exento" => IssuerIvaCondition::Exento,
        _ => {
            fields.add(
                "iva_condition",
                "unknown_iva_condition",
                "must be responsable_inscripto, monotributo or exento",
            );
            return None;
        }
    };
    Some(condition)
}

fn condition_name(condition: IssuerIvaCondition) -> &'static str {
    match condition {
        IssuerIvaCondition::ResponsableInscripto => "responsable_inscripto",
        IssuerIvaCondition::Monotributo => "monotributo",
        IssuerIvaCondition::Exento => "exento",
    }
}
