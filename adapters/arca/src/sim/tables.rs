//! ARCA's parameter tables as served by homologación (2021 recordings), plus the RG 5616
//! receiver IVA conditions.

/// One row: (operation, id, description, valid from, valid to).
pub type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const RAW: &str = include_str!("tables.txt");

/// Every row of every `FEParamGetTipos*` table.
pub fn rows() -> impl Iterator<Item = Row> {
    RAW.lines().filter_map(|l| {
        let mut p = l.split('|');
        Some((p.next()?, p.next()?, p.next()?, p.next()?, p.next()?))
    })
}

/// Rows of one table.
pub fn table(operation: &str) -> Vec<Row> {
    rows().filter(|r| r.0 == operation).collect()
}

/// Whether `id` is in a table.
pub fn has(operation: &str, id: &str) -> bool {
    rows().any(|r| r.0 == operation && r.1 == id)
}

/// `FEParamGetCondicionIvaReceptor`: (id, description, classes).
pub const RECEIVER_VAT_CONDITIONS: &[(u16, &str, &str)] = &[
    (1, "IVA Responsable Inscripto", "A/M/C"),
    (6, "Responsable Monotributo", "A/M/C"),
    (13, "Monotributista Social", "A/M/C"),
    (
        16,
        "Monotributo Trabajador Independiente Promovido",
        "A/M/C",
    ),
    (4, "IVA Sujeto Exento", "B/C"),
    (7, "Sujeto No Categorizado", "B/C"),
    (8, "Proveedor del Exterior", "B/C"),
    (9, "Cliente del Exterior", "B/C"),
    (10, "IVA Liberado - Ley N° 19.640", "B/C"),
    (15, "IVA No Alcanzado", "B/C"),
    (5, "Consumidor Final", "B/C/49"),
];

/// VAT rate of an `AlicIva` id, in percent.
pub fn vat_rate(id: u16) -> Option<rust_decimal::Decimal> {
    use rust_decimal::Decimal;
    Some(match id {
        3 => Decimal::ZERO,
        4 => Decimal::new(105, 1),
        5 => Decimal::from(21),
        6 => Decimal::from(27),
        8 => Decimal::from(5),
        9 => Decimal::new(25, 1),
        _ => return None,
    })
}

/// Voucher class of a type: "A", "B", "C", "M" or "49"; `None` for unknown types.
pub fn voucher_class(t: u16) -> Option<&'static str> {
    Some(match t {
        1..=5 | 34 | 39 | 60 | 63 | 201..=203 => "A",
        6..=10 | 35 | 40 | 61 | 64 | 206..=208 => "B",
        11..=13 | 15 | 211..=213 => "C",
        51..=54 => "M",
        49 => "49",
        _ => return None,
    })
}

/// Credit and debit notes (must reference what they correct).
pub fn is_note(t: u16) -> bool {
    matches!(
        t,
        2 | 3 | 7 | 8 | 12 | 13 | 52 | 53 | 202 | 203 | 207 | 208 | 212 | 213
    )
}

/// Factura de Crédito Electrónica MiPyMEs types.
pub fn is_fce(t: u16) -> bool {
    (201..=213).contains(&t)
}
