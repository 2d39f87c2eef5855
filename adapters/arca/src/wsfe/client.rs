//! The WSFEv1 client: one method per operation, each with a deadline.

use std::time::Duration;

use time::{Date, OffsetDateTime};

use super::request::{ParamTable, Request};
use super::response::{Response, parse_response};
use super::types::{
    Answer, Auth, CaeRequest, CaeResponse, ExchangeRate, LastAuthorized, ParamItem, PointOfSale,
    ReceiverVatCondition, ServerStatus, VoucherRecord,
};
use crate::error::ArcaError;
use crate::soap::http::{Call, exchange, http_client};
use crate::soap::xml::esc;
use crate::soap::{Body, SoapVersion, envelope};
use crate::wsaa::Ticket;

/// The most details one FECAESolicitar may carry unless the server says otherwise.
pub const DEFAULT_MAX_BATCH: usize = 250;

/// What stands in for the ticket's token and sign in a [`Recorded`] request.
pub const REDACTED: &str = "[redacted]";

/// One call as it went over the wire: the envelope sent, with the ticket's token and sign
/// replaced by [`REDACTED`], and the response body as received (`None` when none came back:
/// no connection, a timeout, a dropped answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub request: String,
    pub response: Option<String>,
}

/// A WSFEv1 client for one endpoint.
#[derive(Debug, Clone)]
pub struct WsfeClient {
    http: reqwest::Client,
    url: String,
    timeout: Duration,
    version: SoapVersion,
    max_batch: usize,
}

impl Auth {
    /// Auth for `cuit` from a ticket; fails before sending when the ticket has expired.
    pub fn from_ticket(ticket: &Ticket, cuit: u64) -> Result<Self, ArcaError> {
        if !ticket.valid_at(OffsetDateTime::now_utc(), time::Duration::ZERO) {
            return Err(ArcaError::TicketExpired {
                expires_at: ticket.expiration_time,
            });
        }
        Ok(Self {
            token: ticket.token.clone(),
            sign: ticket.sign.clone(),
            cuit,
        })
    }
}

/// `sent` with the ticket's token and sign (as escaped in the body) replaced by [`REDACTED`].
fn redact(sent: &str, auth: &Auth) -> String {
    [&auth.token, &auth.sign]
        .into_iter()
        .filter(|secret| !secret.is_empty())
        .fold(sent.to_owned(), |text, secret| {
            text.replace(esc(secret).as_ref(), REDACTED)
        })
}

macro_rules! expect_variant {
    ($resp:expr, $variant:ident, $op:expr) => {
        match $resp {
            Response::$variant(x) => Ok(x),
            other => Err(ArcaError::malformed(
                $op,
                format!("unexpected answer {other:?}"),
            )),
        }
    };
}

impl WsfeClient {
    pub fn new(url: impl Into<String>, timeout: Duration) -> Result<Self, ArcaError> {
        Ok(Self::with_http(http_client()?, url, timeout))
    }

    pub fn with_http(http: reqwest::Client, url: impl Into<String>, timeout: Duration) -> Self {
        Self {
            http,
            url: url.into(),
            timeout,
            version: SoapVersion::V11,
            max_batch: DEFAULT_MAX_BATCH,
        }
    }

    /// Speak SOAP 1.2 instead of 1.1.
    pub fn soap12(mut self) -> Self {
        self.version = SoapVersion::V12;
        self
    }

    /// Sets the batch limit (use FECompTotXRequest's answer).
    pub fn with_max_batch(mut self, n: usize) -> Self {
        self.max_batch = n;
        self
    }

    /// Sends any request and parses its answer. The span names the operation only: never the
    /// token, the sign or the CUIT.
    pub async fn call(&self, auth: &Auth, req: &Request) -> Result<Response, ArcaError> {
        self.call_recorded(auth, req).await.0
    }

    /// The envelope [`Self::call`] sends for `req` on behalf of `cuit`, with [`REDACTED`] for the
    /// ticket: what [`Recorded::request`] holds, computable before the call.
    pub fn redacted_request(&self, req: &Request, cuit: u64) -> String {
        let auth = Auth {
            token: REDACTED.to_owned(),
            sign: REDACTED.to_owned(),
            cuit,
        };
        envelope(self.version, None, &req.body(&auth))
    }

    /// Like [`Self::call`], and also hands back what went over the wire, the ticket redacted.
    #[tracing::instrument(name = "wsfe.call", skip_all, fields(operation = req.operation()))]
    pub async fn call_recorded(
        &self,
        auth: &Auth,
        req: &Request,
    ) -> (Result<Response, ArcaError>, Recorded) {
        let op = req.operation();
        let action = req.soap_action();
        let call = Call {
            operation: op,
            url: &self.url,
            soap_action: &action,
            version: self.version,
            timeout: self.timeout,
            idempotent: req.is_idempotent(),
        };
        let sent = envelope(self.version, None, &req.body(auth));
        let request = redact(&sent, auth);
        let (msg, response) = exchange(&self.http, call, sent).await;
        let parsed = msg.and_then(|msg| match msg.body {
            Body::Payload(Some(el)) => {
                parse_response(op, &el).map_err(|e| ArcaError::malformed(op, e))
            }
            Body::Payload(None) => Err(ArcaError::malformed(op, "empty body")),
            Body::Fault(f) => Err(ArcaError::fault(
                op,
                &f.code,
                f.message,
                req.is_idempotent(),
            )),
        });
        (parsed, Recorded { request, response })
    }

    /// FEDummy: are the application, database and authentication servers up?
    pub async fn dummy(&self) -> Result<ServerStatus, ArcaError> {
        let auth = Auth {
            token: String::new(),
            sign: String::new(),
            cuit: 0,
        };
        expect_variant!(self.call(&auth, &Request::Dummy).await?, Dummy, "FEDummy")
    }

    /// FECompUltimoAutorizado: the last number authorized in a series (0 when none).
    pub async fn last_authorized(
        &self,
        auth: &Auth,
        point_of_sale: u32,
        voucher_type: u16,
    ) -> Result<Answer<LastAuthorized>, ArcaError> {
        let r = self
            .call(
                auth,
                &Request::LastAuthorized {
                    point_of_sale,
                    voucher_type,
                },
            )
            .await?;
        expect_variant!(r, LastAuthorized, "FECompUltimoAutorizado")
    }

    /// FECAESolicitar. Not idempotent: after a transport error, reconcile with [`Self::query`].
    pub async fn authorize(
        &self,
        auth: &Auth,
        req: &CaeRequest,
    ) -> Result<Answer<CaeResponse>, ArcaError> {
        self.authorize_recorded(auth, req).await.0
    }

    /// Like [`Self::authorize`], and also hands back what went over the wire (`None` when the
    /// batch is refused before sending).
    pub async fn authorize_recorded(
        &self,
        auth: &Auth,
        req: &CaeRequest,
    ) -> (Result<Answer<CaeResponse>, ArcaError>, Option<Recorded>) {
        if req.details.is_empty() || req.details.len() > self.max_batch {
            let error = ArcaError::Invalid(format!(
                "a FECAESolicitar carries 1 to {} vouchers, not {}",
                self.max_batch,
                req.details.len()
            ));
            return (Err(error), None);
        }
        let (r, recorded) = self
            .call_recorded(auth, &Request::Authorize(req.clone()))
            .await;
        let answer = r.and_then(|r| expect_variant!(r, Authorize, "FECAESolicitar"));
        (answer, Some(recorded))
    }

    /// FECompConsultar: what ARCA holds for one voucher (Err 602 when nothing).
    pub async fn query(
        &self,
        auth: &Auth,
        point_of_sale: u32,
        voucher_type: u16,
        number: u64,
    ) -> Result<Answer<VoucherRecord>, ArcaError> {
        self.query_recorded(auth, point_of_sale, voucher_type, number)
            .await
            .0
    }

    /// Like [`Self::query`], and also hands back what went over the wire.
    pub async fn query_recorded(
        &self,
        auth: &Auth,
        point_of_sale: u32,
        voucher_type: u16,
        number: u64,
    ) -> (Result<Answer<VoucherRecord>, ArcaError>, Recorded) {
        let req = Request::Query {
            voucher_type,
            number,
            point_of_sale,
        };
        let (r, recorded) = self.call_recorded(auth, &req).await;
        let answer = r.and_then(|r| expect_variant!(r, Query, "FECompConsultar").map(|b| *b));
        (answer, recorded)
    }

    /// FECompTotXRequest: the batch limit.
    pub async fn max_batch(&self, auth: &Auth) -> Result<Answer<u32>, ArcaError> {
        expect_variant!(
            self.call(auth, &Request::MaxBatch).await?,
            MaxBatch,
            "FECompTotXRequest"
        )
    }

    /// One of the `FEParamGetTipos*` tables.
    pub async fn param(
        &self,
        auth: &Auth,
        table: ParamTable,
    ) -> Result<Answer<Vec<ParamItem>>, ArcaError> {
        expect_variant!(
            self.call(auth, &Request::Param(table)).await?,
            Param,
            table.names().0
        )
    }

    /// FEParamGetPtosVenta.
    pub async fn points_of_sale(&self, auth: &Auth) -> Result<Answer<Vec<PointOfSale>>, ArcaError> {
        expect_variant!(
            self.call(auth, &Request::PointsOfSale).await?,
            PointsOfSale,
            "FEParamGetPtosVenta"
        )
    }

    /// FEParamGetCotizacion.
    pub async fn exchange_rate(
        &self,
        auth: &Auth,
        currency: &str,
        date: Option<Date>,
    ) -> Result<Answer<ExchangeRate>, ArcaError> {
        let r = self
            .call(
                auth,
                &Request::ExchangeRate {
                    currency: currency.to_owned(),
                    date,
                },
            )
            .await?;
        expect_variant!(r, ExchangeRate, "FEParamGetCotizacion")
    }

    /// FEParamGetCondicionIvaReceptor.
    pub async fn receiver_vat_conditions(
        &self,
        auth: &Auth,
        class: Option<&str>,
    ) -> Result<Answer<Vec<ReceiverVatCondition>>, ArcaError> {
        let r = self
            .call(
                auth,
                &Request::ReceiverVatConditions {
                    class: class.map(str::to_owned),
                },
            )
            .await?;
        expect_variant!(r, ReceiverVatConditions, "FEParamGetCondicionIvaReceptor")
    }
}
