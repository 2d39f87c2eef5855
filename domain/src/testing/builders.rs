//! Example issuers, items and requests.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use uuid::Uuid;

use super::{NOW, TODAY, context};
use crate::aggregate::Aggregate;
use crate::ids::InvoiceId;
use crate::invoice::{Invoice, InvoiceEvent, IssuerSnapshot, Item, Receiver, RequestInvoice};
use crate::taxpayer::{PointOfSaleAdded, TaxpayerEvent, TaxpayerRegistered};
use crate::values::{
    Concept, Cuit, Currency, DocType, IssuerIvaCondition, IvaCondition, IvaRate, IvaTreatment,
    Money, VoucherType,
};

/// Parses a CUIT known to be valid.
pub fn cuit(text: &str) -> Cuit {
    Cuit::parse(text).unwrap_or_else(|e| panic!("bad test cuit {text}: {e}"))
}

/// Parses an amount known to be valid.
pub fn money(text: &str) -> Money {
    Money::parse(text).unwrap_or_else(|e| panic!("bad test amount {text}: {e}"))
}

/// A responsable inscripto issuer, CUIT 20267565393, points of sale 1 and 2.
pub fn ri_issuer() -> IssuerSnapshot {
    IssuerSnapshot {
        cuit: cuit("20267565393"),
        iva_condition: IssuerIvaCondition::ResponsableInscripto,
        points_of_sale: BTreeSet::from([1, 2]),
    }
}

/// A monotributista issuer, CUIT 20111111112, point of sale 1.
pub fn mono_issuer() -> IssuerSnapshot {
    IssuerSnapshot {
        cuit: cuit("20111111112"),
        iva_condition: IssuerIvaCondition::Monotributo,
        points_of_sale: BTreeSet::from([1]),
    }
}

/// The events of a registered responsable inscripto with point of sale 1 (see [`ri_issuer`]).
pub fn ri_taxpayer_events() -> Vec<TaxpayerEvent> {
    vec![
        TaxpayerEvent::Registered(TaxpayerRegistered {
            cuit: cuit("20267565393"),
            legal_name: "Empresa de Prueba SA".to_owned(),
            address: Some("Av. Corrientes 1234, CABA".to_owned()),
            iva_condition: IssuerIvaCondition::ResponsableInscripto,
            gross_income_number: None,
            activity_start_date: None,
            registered_at: NOW,
        }),
        TaxpayerEvent::PointOfSaleAdded(PointOfSaleAdded {
            cuit: cuit("20267565393"),
            number: 1,
            name: None,
        }),
    ]
}

/// An item: `quantity` × `unit_price` with an IVA treatment (`None` for class C).
pub fn item(quantity: i64, unit_price: &str, iva: Option<IvaTreatment>) -> Item {
    Item {
        description: "Producto".to_owned(),
        quantity: Decimal::from(quantity),
        unit_price: money(unit_price),
        discount: None,
        iva,
    }
}

/// Factura A (products, today) from [`ri_issuer`] to a responsable inscripto (CUIT
/// 30000000007): one item of 1000.00 at 21 %, total 1210.00.
pub fn factura_a() -> RequestInvoice {
    RequestInvoice {
        invoice_id: InvoiceId(Uuid::from_u128(0xA)),
        issuer: ri_issuer(),
        point_of_sale: 1,
        voucher_type: VoucherType::FacturaA,
        concept: Concept::Products,
        issue_date: TODAY,
        receiver: Receiver {
            doc_type: DocType::Cuit,
            doc_number: 30_000_000_007,
            name: Some("Cliente SA".to_owned()),
            iva_condition: IvaCondition::ResponsableInscripto,
            email: None,
            address: None,
        },
        service_period: None,
        currency: Currency::PES,
        exchange_rate: Decimal::ONE,
        items: vec![item(
            1,
            "1000.00",
            Some(IvaTreatment::Taxed(IvaRate::TwentyOne)),
        )],
        tributes: vec![],
        associated: vec![],
        associated_period: None,
        declared_totals: None,
    }
}

/// Factura B from [`ri_issuer`] to an unidentified final consumer (99, 0), same item.
pub fn factura_b() -> RequestInvoice {
    RequestInvoice {
        invoice_id: InvoiceId(Uuid::from_u128(0xB)),
        voucher_type: VoucherType::FacturaB,
        receiver: Receiver {
            doc_type: DocType::Otro,
            doc_number: 0,
            name: None,
            iva_condition: IvaCondition::ConsumidorFinal,
            email: None,
            address: None,
        },
        ..factura_a()
    }
}

/// Factura C from [`mono_issuer`] to an unidentified final consumer: one item of 1000.00, no IVA.
pub fn factura_c() -> RequestInvoice {
    RequestInvoice {
        invoice_id: InvoiceId(Uuid::from_u128(0xC)),
        issuer: mono_issuer(),
        voucher_type: VoucherType::FacturaC,
        items: vec![item(1, "1000.00", None)],
        ..factura_b()
    }
}

/// The events of a successful request, panicking if it is refused.
pub fn requested(request: RequestInvoice) -> Vec<InvoiceEvent> {
    Invoice::default()
        .decide(request.into(), &context())
        .unwrap_or_else(|e| panic!("example request refused: {e:?}"))
}
