//! The taxpayer's state and its decide/evolve.

use std::collections::BTreeMap;

use time::Date;

use super::POINT_OF_SALE_RANGE;
use super::certificate::Certificates;
use super::commands::{AddPointOfSale, RegisterTaxpayer, TaxpayerCommand};
use super::error::TaxpayerError;
use super::events::{PointOfSaleAdded, TaxpayerEvent, TaxpayerRegistered};
use super::snapshot::IssuerSnapshot;
use crate::aggregate::{Aggregate, Context};
use crate::envelope::StreamId;
use crate::ids::TenantId;
use crate::values::{Cuit, IssuerIvaCondition, IvaCondition, VoucherClass};

const MAX_TEXT: usize = 200;
const MAX_GROSS_INCOME_NUMBER: usize = 50;

/// The issuer's registration data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxpayerProfile {
    /// The issuer's CUIT.
    pub cuit: Cuit,
    /// Razón social.
    pub legal_name: String,
    /// Domicilio comercial.
    pub address: Option<String>,
    /// How the issuer is registered towards IVA.
    pub iva_condition: IssuerIvaCondition,
    /// Número de Ingresos Brutos.
    pub gross_income_number: Option<String>,
    /// Inicio de actividades.
    pub activity_start_date: Option<Date>,
}

/// One point of sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointOfSale {
    /// `PtoVta`.
    pub number: u32,
    /// A description for humans.
    pub name: Option<String>,
}

/// A taxpayer: registration data, points of sale and certificates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taxpayer {
    profile: Option<TaxpayerProfile>,
    points_of_sale: BTreeMap<u32, PointOfSale>,
    certificates: Certificates,
}

impl Taxpayer {
    /// The stream of a tenant's taxpayer: `taxpayer-{tenant uuid, simple hex}-{cuit}`.
    pub fn stream_id(tenant: TenantId, cuit: &Cuit) -> StreamId {
        StreamId::new(format!("taxpayer-{}-{cuit}", tenant.as_uuid().simple()))
    }

    /// Registration data, once registered.
    pub fn profile(&self) -> Option<&TaxpayerProfile> {
        self.profile.as_ref()
    }

    /// Whether the taxpayer was registered.
    pub fn is_registered(&self) -> bool {
        self.profile.is_some()
    }

    /// The CUIT, once registered.
    pub fn cuit(&self) -> Option<Cuit> {
        self.profile.as_ref().map(|p| p.cuit)
    }

    /// The IVA condition, once registered.
    pub fn iva_condition(&self) -> Option<IssuerIvaCondition> {
        self.profile.as_ref().map(|p| p.iva_condition)
    }

    /// The points of sale, by number.
    pub fn points_of_sale(&self) -> impl Iterator<Item = &PointOfSale> {
        self.points_of_sale.values()
    }

    /// Certificate requests and installed certificates.
    pub fn certificates(&self) -> &Certificates {
        &self.certificates
    }

    /// Whether `number` is one of the points of sale.
    pub fn has_point_of_sale(&self, number: u32) -> bool {
        self.points_of_sale.contains_key(&number)
    }

    /// The letters this taxpayer may issue (none before registration). Never M for now.
    pub fn allowed_classes(&self) -> &'static [VoucherClass] {
        self.iva_condition()
            .map_or(&[], IssuerIvaCondition::allowed_classes)
    }

    /// The letter that applies to a receiver (`None` before registration): C for monotributistas
    /// and exempt issuers; A or B for a responsable inscripto depending on the receiver.
    pub fn letter_for(&self, receiver: IvaCondition) -> Option<VoucherClass> {
        self.iva_condition().map(|c| c.letter_for(receiver))
    }

    /// What an invoice request needs of its issuer (`None` before registration).
    pub fn snapshot(&self) -> Option<IssuerSnapshot> {
        let profile = self.profile.as_ref()?;
        Some(IssuerSnapshot {
            cuit: profile.cuit,
            iva_condition: profile.iva_condition,
            points_of_sale: self.points_of_sale.keys().copied().collect(),
        })
    }

    fn register(
        &self,
        cmd: RegisterTaxpayer,
        ctx: &Context,
    ) -> Result<Vec<TaxpayerEvent>, TaxpayerError> {
        if self.is_registered() {
            return Err(TaxpayerError::AlreadyRegistered);
        }
        let legal_name = cmd.legal_name.trim();
        if legal_name.is_empty() || legal_name.chars().count() > MAX_TEXT {
            return Err(TaxpayerError::InvalidLegalName);
        }
        let address = non_empty(cmd.address);
        if address
            .as_ref()
            .is_some_and(|a| a.chars().count() > MAX_TEXT)
        {
            return Err(TaxpayerError::InvalidAddress);
        }
        let gross_income_number = non_empty(cmd.gross_income_number);
        if gross_income_number
            .as_ref()
            .is_some_and(|n| n.chars().count() > MAX_GROSS_INCOME_NUMBER)
        {
            return Err(TaxpayerError::InvalidGrossIncomeNumber);
        }
        Ok(vec![TaxpayerEvent::Registered(TaxpayerRegistered {
            cuit: cmd.cuit,
            legal_name: legal_name.to_owned(),
            address,
            iva_condition: cmd.iva_condition,
            gross_income_number,
            activity_start_date: cmd.activity_start_date,
            registered_at: ctx.now,
        })])
    }

    fn add_point_of_sale(&self, cmd: AddPointOfSale) -> Result<Vec<TaxpayerEvent>, TaxpayerError> {
        let cuit = self.cuit().ok_or(TaxpayerError::NotRegistered)?;
        if !POINT_OF_SALE_RANGE.contains(&cmd.number) {
            return Err(TaxpayerError::InvalidPointOfSale(cmd.number));
        }
        if self.has_point_of_sale(cmd.number) {
            return Err(TaxpayerError::PointOfSaleExists(cmd.number));
        }
        let name = non_empty(cmd.name);
        if name.as_ref().is_some_and(|n| n.chars().count() > MAX_TEXT) {
            return Err(TaxpayerError::InvalidPointOfSaleName);
        }
        Ok(vec![TaxpayerEvent::PointOfSaleAdded(PointOfSaleAdded {
            cuit,
            number: cmd.number,
            name,
        })])
    }
}

/// Trims, and turns an empty text into `None`.
fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

impl Aggregate for Taxpayer {
    type Command = TaxpayerCommand;
    type Event = TaxpayerEvent;
    type Error = TaxpayerError;

    fn decide(
        &self,
        command: TaxpayerCommand,
        ctx: &Context,
    ) -> Result<Vec<TaxpayerEvent>, TaxpayerError> {
        match command {
            TaxpayerCommand::Register(cmd) => self.register(cmd, ctx),
            TaxpayerCommand::AddPointOfSale(cmd) => self.add_point_of_sale(cmd),
            TaxpayerCommand::RequestCertificate(cmd) => {
                let cuit = self.cuit().ok_or(TaxpayerError::NotRegistered)?;
                let event = Certificates::request(cuit, cmd, ctx.now);
                Ok(vec![TaxpayerEvent::CertificateRequested(event)])
            }
            TaxpayerCommand::InstallCertificate(cmd) => {
                let cuit = self.cuit().ok_or(TaxpayerError::NotRegistered)?;
                let event = self.certificates.install(cuit, cmd, ctx.now)?;
                Ok(event
                    .map(TaxpayerEvent::CertificateInstalled)
                    .into_iter()
                    .collect())
            }
            TaxpayerCommand::NoteCertificateExpiry(cmd) => {
                let cuit = self.cuit().ok_or(TaxpayerError::NotRegistered)?;
                let event = self.certificates.note_expiry(cuit, &cmd, ctx.now);
                Ok(event
                    .map(TaxpayerEvent::CertificateExpiring)
                    .into_iter()
                    .collect())
            }
        }
    }

    fn evolve(mut self, event: &TaxpayerEvent) -> Self {
        match event {
            TaxpayerEvent::Registered(e) => {
                self.profile = Some(TaxpayerProfile {
                    cuit: e.cuit,
                    legal_name: e.legal_name.clone(),
                    address: e.address.clone(),
                    iva_condition: e.iva_condition,
                    gross_income_number: e.gross_income_number.clone(),
                    activity_start_date: e.activity_start_date,
                });
            }
            TaxpayerEvent::PointOfSaleAdded(e) => {
                let pos = PointOfSale {
                    number: e.number,
                    name: e.name.clone(),
                };
                self.points_of_sale.insert(e.number, pos);
            }
            TaxpayerEvent::CertificateRequested(e) => self.certificates.requested(e),
            TaxpayerEvent::CertificateInstalled(e) => self.certificates.installed_now(e),
            TaxpayerEvent::CertificateExpiring(e) => self.certificates.expiring(e),
        }
        self
    }
}
