//! What an invoice sells (`Concepto`, ARCA.md §5.4).

use super::code_table::code_table;

code_table! {
    /// Products, services or both. Serialized as its numeric code.
    pub enum Concept: u8, table = "concept", error = "unknown_concept" {
        /// Productos.
        Products = 1,
        /// Servicios.
        Services = 2,
        /// Productos y Servicios.
        ProductsAndServices = 3,
    }
}

impl Concept {
    /// Concepts 2 and 3 need a service period and a payment due date.
    pub const fn includes_services(self) -> bool {
        !matches!(self, Self::Products)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_are_concepts_two_and_three() {
        assert!(!Concept::Products.includes_services());
        assert!(Concept::Services.includes_services());
        assert!(Concept::ProductsAndServices.includes_services());
        assert_eq!(Concept::from_code(4).unwrap_err().code(), "unknown_concept");
    }
}
