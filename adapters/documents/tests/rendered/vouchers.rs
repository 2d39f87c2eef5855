//! The vouchers the tests print, one per case the issue names, with their QR URL built the way
//! the read model builds it (`projections/src/query/qr.rs`).

use base64::Engine as _;
use documents::{
    AssociatedVoucher, Authorization, Currency, Issuer, Item, IvaLine, LineIva, Receiver,
    ServicePeriod, Totals, Tribute, Voucher,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use time::{Date, macros::date};

pub const QR_BASE: &str = "https://www.afip.gob.ar/fe/qr/?p=";

fn company() -> Issuer {
    Issuer {
        legal_name: "Empresa de Prueba S.A.".to_owned(),
        address: "Av. Corrientes 1234, Piso 5, Ciudad Autónoma de Buenos Aires".to_owned(),
        iva_condition: 1,
        cuit: 30_712_345_671,
        gross_income_number: Some("901-123456-7".to_owned()),
        activities_start: Some(date!(2015 - 03 - 01)),
    }
}

fn registered_client() -> Receiver {
    Receiver {
        doc_type: 80,
        doc_number: 20_334_455_662,
        name: Some("Cliente Responsable Inscripto S.R.L.".to_owned()),
        iva_condition: 1,
        address: Some("San Martín 500, Córdoba".to_owned()),
    }
}

fn final_consumer() -> Receiver {
    Receiver {
        doc_type: 96,
        doc_number: 30_123_456,
        name: Some("Juan Pérez".to_owned()),
        iva_condition: 5,
        address: Some("Calle Falsa 123, Rosario, Santa Fe".to_owned()),
    }
}

fn item(description: &str, quantity: Decimal, unit_price: Decimal, iva: Option<LineIva>) -> Item {
    Item {
        description: description.to_owned(),
        quantity,
        unit_price,
        discount: None,
        iva,
        net: quantity * unit_price,
    }
}

fn rate(percent: Decimal) -> Option<LineIva> {
    Some(LineIva::Taxed(percent))
}

fn iva(rate: Decimal, base: Decimal, amount: Decimal) -> IvaLine {
    IvaLine { rate, base, amount }
}

fn totals(net: Decimal, iva: Decimal, tributes: Decimal) -> Totals {
    Totals {
        net,
        not_taxed: Decimal::ZERO,
        exempt: Decimal::ZERO,
        tributes,
        iva,
        total: net + iva + tributes,
    }
}

/// A Factura A from a Responsable Inscripto to another.
pub fn factura_a() -> Voucher {
    let items = vec![
        item(
            "Servicio de mantenimiento mensual",
            dec!(1),
            dec!(10000.00),
            rate(dec!(21)),
        ),
        item("Libros técnicos", dec!(3), dec!(1500.00), rate(dec!(10.5))),
        item(
            "Bebidas con impuestos internos",
            dec!(2),
            dec!(2500.00),
            rate(dec!(27)),
        ),
    ];
    complete(Voucher {
        issuer: company(),
        voucher_type: 1,
        point_of_sale: 1,
        number: 42,
        issue_date: date!(2026 - 12 - 01),
        concept: 1,
        service_period: None,
        receiver: registered_client(),
        sale_condition: Some("Cuenta corriente".to_owned()),
        items,
        iva: vec![
            iva(dec!(10.5), dec!(4500.00), dec!(472.50)),
            iva(dec!(21), dec!(10000.00), dec!(2100.00)),
            iva(dec!(27), dec!(5000.00), dec!(1350.00)),
        ],
        tributes: vec![Tribute {
            kind: 7,
            description: None,
            base: dec!(19500.00),
            rate: Some(dec!(3)),
            amount: dec!(585.00),
        }],
        totals: totals(dec!(19500.00), dec!(3922.50), dec!(585.00)),
        currency: Currency::pesos(),
        associated_vouchers: Vec::new(),
        associated_period: None,
        authorization: authorization("76412345678901", date!(2026 - 12 - 11)),
    })
}

/// A Factura B to an identified final consumer, with an internal tax.
pub fn factura_b() -> Voucher {
    let items = vec![
        item(
            "Zapatillas running talle 42",
            dec!(1),
            dec!(82644.63),
            rate(dec!(21)),
        ),
        item(
            "Medias deportivas (pack x3)",
            dec!(2),
            dec!(4132.23),
            rate(dec!(21)),
        ),
    ];
    complete(Voucher {
        issuer: company(),
        voucher_type: 6,
        point_of_sale: 3,
        number: 1234,
        issue_date: date!(2026 - 12 - 02),
        concept: 1,
        service_period: None,
        receiver: final_consumer(),
        sale_condition: Some("Contado".to_owned()),
        items,
        iva: vec![iva(dec!(21), dec!(90909.09), dec!(19090.91))],
        tributes: vec![Tribute {
            kind: 4,
            description: None,
            base: dec!(8264.46),
            rate: None,
            amount: dec!(500.00),
        }],
        totals: totals(dec!(90909.09), dec!(19090.91), dec!(500.00)),
        currency: Currency::pesos(),
        associated_vouchers: Vec::new(),
        associated_period: None,
        authorization: authorization("76498765432109", date!(2026 - 12 - 12)),
    })
}

fn monotributista() -> Issuer {
    Issuer {
        legal_name: "Gómez María Laura".to_owned(),
        address: "Belgrano 45, San Miguel de Tucumán".to_owned(),
        iva_condition: 6,
        cuit: 27_301_234_568,
        gross_income_number: None,
        activities_start: Some(date!(2019 - 08 - 15)),
    }
}

/// A Factura C from a monotributista to an unidentified final consumer.
pub fn factura_c() -> Voucher {
    let items = vec![
        item("Taza de cerámica artesanal", dec!(4), dec!(4500.00), None),
        item("Plato playo decorado a mano", dec!(2), dec!(6250.50), None),
    ];
    complete(Voucher {
        issuer: monotributista(),
        voucher_type: 11,
        point_of_sale: 2,
        number: 7,
        issue_date: date!(2026 - 12 - 03),
        concept: 1,
        service_period: None,
        receiver: Receiver {
            doc_type: 99,
            doc_number: 0,
            name: None,
            iva_condition: 5,
            address: None,
        },
        sale_condition: Some("Contado".to_owned()),
        items,
        iva: Vec::new(),
        tributes: Vec::new(),
        totals: totals(dec!(30501.00), Decimal::ZERO, Decimal::ZERO),
        currency: Currency::pesos(),
        associated_vouchers: Vec::new(),
        associated_period: None,
        authorization: authorization("76411122233344", date!(2026 - 12 - 13)),
    })
}

/// `voucher` with one item of `price` taxed at `rate`, its IVA and totals, and no tributes.
fn with_one_line(
    voucher: Voucher,
    description: &str,
    price: Decimal,
    percent: Decimal,
    iva_amount: Decimal,
) -> Voucher {
    Voucher {
        items: vec![item(description, dec!(1), price, rate(percent))],
        iva: vec![iva(percent, price, iva_amount)],
        tributes: Vec::new(),
        totals: totals(price, iva_amount, Decimal::ZERO),
        ..voucher
    }
}

/// A Nota de Crédito A that takes back part of `factura_a`.
pub fn credit_note() -> Voucher {
    let line = "Devolución: Libros técnicos";
    let original = with_one_line(factura_a(), line, dec!(1500.00), dec!(10.5), dec!(157.50));
    complete(Voucher {
        voucher_type: 3,
        number: 43,
        issue_date: date!(2026 - 12 - 05),
        associated_vouchers: vec![AssociatedVoucher {
            voucher_type: 1,
            point_of_sale: 1,
            number: 42,
            cuit: Some(30_712_345_671),
            date: Some(date!(2026 - 12 - 01)),
        }],
        authorization: authorization("76455566677788", date!(2026 - 12 - 15)),
        ..original
    })
}

/// A Factura A in US dollars.
pub fn usd_invoice() -> Voucher {
    let line = "Licencia anual de software";
    let original = with_one_line(factura_a(), line, dec!(1200.00), dec!(21), dec!(252.00));
    complete(Voucher {
        number: 44,
        issue_date: date!(2026 - 12 - 06),
        currency: Currency {
            code: "DOL".to_owned(),
            name: "Dólar Estadounidense".to_owned(),
            exchange_rate: dec!(1050.500000),
        },
        authorization: authorization("76400011122233", date!(2026 - 12 - 16)),
        ..original
    })
}

/// A Factura C for professional services, with its period and payment due date.
pub fn services_invoice() -> Voucher {
    let original = factura_c();
    complete(Voucher {
        number: 8,
        issue_date: date!(2026 - 12 - 01),
        concept: 2,
        service_period: Some(ServicePeriod {
            from: date!(2026 - 11 - 01),
            to: date!(2026 - 11 - 30),
            payment_due: date!(2026 - 12 - 10),
        }),
        receiver: Receiver {
            doc_type: 80,
            doc_number: 20_123_456_786,
            name: Some("Estudio Contable Rivas".to_owned()),
            iva_condition: 6,
            address: Some("Mitre 900, Salta".to_owned()),
        },
        items: vec![item(
            "Honorarios profesionales noviembre 2026",
            dec!(1),
            dec!(250000.00),
            None,
        )],
        totals: totals(dec!(250000.00), Decimal::ZERO, Decimal::ZERO),
        authorization: authorization("76433344455566", date!(2026 - 12 - 11)),
        ..original
    })
}

/// A Factura B with 70 items, some of them long: three pages.
pub fn long_invoice() -> Voucher {
    let items: Vec<Item> = (1..=70)
        .map(|n| {
            let description = if n % 10 == 0 {
                format!(
                    "Artículo {n}: repuesto con una descripción larga que ocupa más de una \
                     línea de la tabla, como las que escriben algunos sistemas de gestión"
                )
            } else {
                format!("Artículo {n}: repuesto")
            };
            item(&description, dec!(1), dec!(1000.00), rate(dec!(21)))
        })
        .collect();
    complete(Voucher {
        number: 1235,
        items,
        iva: vec![iva(dec!(21), dec!(70000.00), dec!(14700.00))],
        tributes: Vec::new(),
        totals: totals(dec!(70000.00), dec!(14700.00), Decimal::ZERO),
        authorization: authorization("76477788899900", date!(2026 - 12 - 12)),
        ..factura_b()
    })
}

fn authorization(cae: &str, due: Date) -> Authorization {
    Authorization {
        cae: cae.to_owned(),
        cae_due_date: due,
        qr_url: String::new(),
    }
}

/// Fills in the QR URL from the voucher's own data.
fn complete(mut voucher: Voucher) -> Voucher {
    voucher.authorization.qr_url = format!(
        "{QR_BASE}{}",
        base64::engine::general_purpose::STANDARD.encode(qr_json(&voucher))
    );
    voucher
}

/// The RG 4892 JSON, keys in ARCA's order, numbers without trailing zeros.
pub fn qr_json(voucher: &Voucher) -> String {
    let receiver = &voucher.receiver;
    let document = if receiver.doc_type == 99 && receiver.doc_number == 0 {
        String::new()
    } else {
        format!(
            r#""tipoDocRec":{},"nroDocRec":{},"#,
            receiver.doc_type, receiver.doc_number
        )
    };
    format!(
        r#"{{"ver":1,"fecha":"{}","cuit":{},"ptoVta":{},"tipoCmp":{},"nroCmp":{},"importe":{},"moneda":"{}","ctz":{},{document}"tipoCodAut":"E","codAut":{}}}"#,
        voucher.issue_date,
        voucher.issuer.cuit,
        voucher.point_of_sale,
        voucher.voucher_type,
        voucher.number,
        voucher.totals.total.normalize(),
        voucher.currency.code,
        voucher.currency.exchange_rate.normalize(),
        voucher.authorization.cae,
    )
}
