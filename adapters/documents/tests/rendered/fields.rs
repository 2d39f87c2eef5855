//! `pdftotext -layout` finds on each voucher every field a printed voucher must show.

use documents::Voucher;

use crate::{tools, vouchers};

/// Asserts that the voucher's text holds each of `expected`, naming the ones it lacks.
fn assert_shows(voucher: &Voucher, expected: &[&str]) {
    if !tools::available(&["pdftotext"]) {
        return;
    }
    // Columns are as far apart as on paper: compare with every run of spaces as one.
    let text = squeeze(&tools::render(voucher).text());
    let missing: Vec<&&str> = expected.iter().filter(|e| !text.contains(**e)).collect();
    assert!(missing.is_empty(), "missing {missing:?} in:\n{text}");
}

fn squeeze(text: &str) -> String {
    text.lines()
        .map(|line| {
            line.split(' ')
                .filter(|word| !word.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What every voucher of the fixtures' issuer shows, whatever its type.
const COMPANY: &[&str] = &[
    "ORIGINAL",
    "Empresa de Prueba S.A.",
    "Av. Corrientes 1234, Piso 5, Ciudad",
    "Condición frente al IVA: IVA Responsable Inscripto",
    "CUIT: 30712345671",
    "Ingresos Brutos: 901-123456-7",
    "Fecha de Inicio de Actividades: 01/03/2015",
    "Comprobante Autorizado",
];

#[test]
fn a_factura_a_shows_the_parties_its_number_and_net_and_iva_per_rate() {
    let mut expected = COMPANY.to_vec();
    expected.extend([
        "FACTURA",
        "COD. 001",
        "Punto de Venta: 00001",
        "Comp. Nro: 00000042",
        "FACTURA A 00001-00000042",
        "Fecha de Emisión: 01/12/2026",
        "CUIT: 20334455662",
        "Cliente Responsable Inscripto S.R.L.",
        "San Martín 500, Córdoba",
        "Condición de venta: Cuenta corriente",
        "Alíc. IVA",
        "Subtotal c/IVA",
        "Servicio de mantenimiento mensual",
        // Each line: net, rate, net with IVA.
        "10.000,00",
        "12.100,00",
        "10,5%",
        "4.972,50",
        "27%",
        "6.350,00",
        // Net and IVA per rate.
        "IVA 10,5% 4.500,00 472,50",
        "IVA 21% 10.000,00 2.100,00",
        "IVA 27% 5.000,00 1.350,00",
        "Percepción de Ingresos Brutos",
        "Importe Neto Gravado: $",
        "19.500,00",
        "IVA: $",
        "3.922,50",
        "Importe Otros Tributos: $",
        "585,00",
        "Importe Total: $",
        "24.007,50",
        "CAE N°: 76412345678901",
        "Fecha de Vto. de CAE: 11/12/2026",
        "Pág. 1/1",
    ]);
    assert_shows(&vouchers::factura_a(), &expected);
}

#[test]
fn a_factura_b_to_a_final_consumer_shows_prices_with_iva_and_the_iva_they_contain() {
    let mut expected = COMPANY.to_vec();
    expected.extend([
        "COD. 006",
        "FACTURA B 00003-00001234",
        "Punto de Venta: 00003",
        "Comp. Nro: 00001234",
        "Fecha de Emisión: 02/12/2026",
        "DNI: 30123456",
        "Juan Pérez",
        "Condición frente al IVA: Consumidor Final",
        "Calle Falsa 123, Rosario, Santa Fe",
        "Zapatillas running talle 42",
        "100.000,00",
        "5.000,00",
        "10.000,00",
        "Régimen de Transparencia Fiscal al Consumidor (Ley 27.743)",
        "IVA Contenido:",
        "$ 19.090,91",
        "Otros Impuestos Nacionales Indirectos:",
        "$ 500,00",
        "Subtotal: $",
        "110.000,00",
        "Importe Total: $",
        "110.500,00",
        "CAE N°: 76498765432109",
        "Fecha de Vto. de CAE: 12/12/2026",
    ]);
    assert_shows(&vouchers::factura_b(), &expected);
}

#[test]
fn a_factura_b_shows_no_net_price() {
    if !tools::available(&["pdftotext"]) {
        return;
    }
    let text = tools::render(&vouchers::factura_b()).text();
    for net in ["82.644,63", "90.909,09", "Importe Neto Gravado"] {
        assert!(
            !text.contains(net),
            "a class B voucher shows {net}:\n{text}"
        );
    }
}

#[test]
fn a_factura_c_shows_the_monotributista_and_no_iva() {
    let expected = [
        "Gómez María Laura",
        "Condición frente al IVA: Responsable Monotributo",
        "CUIT: 27301234568",
        "Fecha de Inicio de Actividades: 15/08/2019",
        "COD. 011",
        "FACTURA C 00002-00000007",
        "Fecha de Emisión: 03/12/2026",
        "Condición frente al IVA: Consumidor Final",
        "Taza de cerámica artesanal",
        "4,00",
        "4.500,00",
        "18.000,00",
        "6.250,50",
        "12.501,00",
        "Subtotal: $",
        "Importe Total: $",
        "30.501,00",
        "CAE N°: 76411122233344",
        "Fecha de Vto. de CAE: 13/12/2026",
    ];
    assert_shows(&vouchers::factura_c(), &expected);
    if tools::available(&["pdftotext"]) {
        let text = tools::render(&vouchers::factura_c()).text();
        assert!(
            !text.contains("IVA Contenido") && !text.contains("Alíc. IVA"),
            "{text}"
        );
    }
}

#[test]
fn a_credit_note_names_the_voucher_it_adjusts() {
    let mut expected = COMPANY.to_vec();
    expected.extend([
        "NOTA DE CRÉDITO",
        "COD. 003",
        "NOTA DE CRÉDITO A 00001-00000043",
        "Fecha de Emisión: 05/12/2026",
        "Devolución: Libros técnicos",
        "Comprobante asociado: FACTURA A 00001-00000042 del 01/12/2026",
        "IVA 10,5% 1.500,00 157,50",
        "1.657,50",
        "CAE N°: 76455566677788",
        "Fecha de Vto. de CAE: 15/12/2026",
    ]);
    assert_shows(&vouchers::credit_note(), &expected);
}

#[test]
fn a_dollar_invoice_shows_its_currency_and_exchange_rate() {
    let expected = [
        "FACTURA A 00001-00000044",
        "Licencia anual de software",
        "Moneda: DOL - Dólar Estadounidense",
        "Tipo de cambio: 1.050,50",
        "Importe Neto Gravado: USD",
        "1.200,00",
        "IVA: USD",
        "252,00",
        "Importe Total: USD",
        "1.452,00",
        "CAE N°: 76400011122233",
    ];
    assert_shows(&vouchers::usd_invoice(), &expected);
}

#[test]
fn a_services_invoice_shows_its_period_and_payment_due_date() {
    let expected = [
        "Período Facturado Desde: 01/11/2026",
        "Hasta: 30/11/2026",
        "Fecha de Vto. para el pago: 10/12/2026",
        "CUIT: 20123456786",
        "Estudio Contable Rivas",
        "Condición frente al IVA: Responsable Monotributo",
        "Honorarios profesionales noviembre 2026",
        "250.000,00",
        "FACTURA C 00002-00000008",
    ];
    assert_shows(&vouchers::services_invoice(), &expected);
}

#[test]
fn a_long_invoice_goes_on_over_pages_repeating_the_header_and_closing_on_the_last() {
    if !tools::available(&["pdftotext"]) {
        return;
    }
    let rendered = tools::render(&vouchers::long_invoice());
    let pages = rendered.pages();
    assert!(pages >= 2, "{pages} page(s)");
    for page in 1..=pages {
        let text = rendered.page_text(page);
        for header in [
            "ORIGINAL",
            "COD. 006",
            "Comp. Nro: 00001235",
            "Juan Pérez",
            "Producto / Servicio",
        ] {
            assert!(text.contains(header), "page {page} lacks {header}:\n{text}");
        }
        assert!(
            text.contains(&format!("Pág. {page}/{pages}")),
            "page {page}:\n{text}"
        );
        let last = page == pages;
        assert_eq!(text.contains("Importe Total"), last, "page {page}:\n{text}");
        assert_eq!(text.contains("CAE N°"), last, "page {page}:\n{text}");
        assert_eq!(
            text.contains("Continúa en la página siguiente"),
            !last,
            "page {page}:\n{text}"
        );
    }
    let text = rendered.text();
    for n in 1..=70 {
        let item = format!("Artículo {n}:");
        assert_eq!(text.matches(&item).count(), 1, "{item} in:\n{text}");
    }
    assert!(text.contains("84.700,00"), "{text}");
}
