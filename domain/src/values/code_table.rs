//! ARCA numeric code tables: one macro so every table has the same `code`/`from_code`, serde
//! (as the bare number) and JSON Schema (an integer `enum` of the codes).

use std::borrow::Cow;

/// A numeric code that is not in one of ARCA's tables.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {table} code {value}")]
pub struct UnknownCode {
    /// Human name of the table (`voucher type`, `document type` …).
    pub table: &'static str,
    /// Stable error code (`unknown_voucher_type` …).
    pub error_code: &'static str,
    /// The code that was given.
    pub value: u32,
}

impl UnknownCode {
    /// Stable snake_case code, such as `unknown_voucher_type`.
    pub fn code(&self) -> &'static str {
        self.error_code
    }

    /// Values carry no field name: the caller knows where it read the code from.
    pub fn field(&self) -> Option<Cow<'static, str>> {
        None
    }
}

/// Declares an enum over an ARCA code table.
///
/// `code_table! { /// doc  pub enum Name: u16, table = "human name", error = "unknown_x" { Variant = 1, … } }`
macro_rules! code_table {
    (
        $(#[$meta:meta])*
        pub enum $name:ident: $repr:ty, table = $table:literal, error = $err:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every entry of the table, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// ARCA's numeric code.
            pub const fn code(self) -> $repr {
                match self {
                    $(Self::$variant => $code),+
                }
            }

            /// The entry with ARCA's numeric code `code`.
            pub fn from_code(code: $repr) -> Result<Self, $crate::values::UnknownCode> {
                match code {
                    $($code => Ok(Self::$variant),)+
                    other => Err($crate::values::UnknownCode {
                        table: $table,
                        error_code: $err,
                        value: u32::from(other),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(&self.code(), serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let code = <$repr as serde::Deserialize>::deserialize(deserializer)?;
                Self::from_code(code).map_err(serde::de::Error::custom)
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> String {
                stringify!($name).to_owned()
            }

            fn json_schema(
                _: &mut schemars::r#gen::SchemaGenerator,
            ) -> schemars::schema::Schema {
                schemars::schema::SchemaObject {
                    instance_type: Some(schemars::schema::InstanceType::Integer.into()),
                    enum_values: Some(vec![$(serde_json::json!($code)),+]),
                    metadata: Some(Box::new(schemars::schema::Metadata {
                        description: Some(concat!("ARCA ", $table, " code.").to_owned()),
                        ..Default::default()
                    })),
                    ..Default::default()
                }
                .into()
            }
        }
    };
}

pub(crate) use code_table;
