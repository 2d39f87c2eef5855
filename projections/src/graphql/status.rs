//! `InvoiceStatus` in GraphQL: the domain's statuses (`domain::invoice::InvoiceStatus`, declared
//! once there, with their one-line summaries), as the enum the invoice filter takes. Written out
//! by hand because a derived enum would list the variants a second time.

use std::borrow::Cow;
use std::sync::LazyLock;

use async_graphql::registry::{Deprecation, MetaEnumValue, MetaType, MetaTypeId, Registry};
use async_graphql::{InputType, InputValueError, InputValueResult, Name, Value};
use domain::invoice::InvoiceStatus;

const NAME: &str = "InvoiceStatus";
const DESCRIPTION: &str = "Where an invoice is in its life.";

/// A status as a GraphQL enum value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status(pub InvoiceStatus);

/// Each status with its GraphQL name (`OUTCOME_UNKNOWN` for `outcome_unknown`).
static NAMES: LazyLock<Vec<(InvoiceStatus, String)>> = LazyLock::new(|| {
    InvoiceStatus::ALL
        .into_iter()
        .map(|s| (s, s.as_str().to_ascii_uppercase()))
        .collect()
});

fn name_of(status: InvoiceStatus) -> &'static str {
    NAMES
        .iter()
        .find(|(s, _)| *s == status)
        .map_or("", |(_, name)| name.as_str())
}

impl InputType for Status {
    type RawValueType = Self;

    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(NAME)
    }

    fn create_type_info(registry: &mut Registry) -> String {
        registry.create_input_type::<Self, _>(MetaTypeId::Enum, |_| MetaType::Enum {
            name: NAME.to_owned(),
            description: Some(DESCRIPTION.to_owned()),
            enum_values: NAMES
                .iter()
                .map(|(status, name)| {
                    let value = MetaEnumValue {
                        name: name.clone(),
                        description: Some(status.summary().to_owned()),
                        deprecation: Deprecation::NoDeprecated,
                        visible: None,
                        inaccessible: false,
                        tags: Vec::new(),
                        directive_invocations: Vec::new(),
                    };
                    (name.clone(), value)
                })
                .collect(),
            visible: None,
            inaccessible: false,
            tags: Vec::new(),
            rust_typename: Some(std::any::type_name::<Self>()),
            directive_invocations: Vec::new(),
            requires_scopes: Vec::new(),
        })
    }

    fn parse(value: Option<Value>) -> InputValueResult<Self> {
        let value = value.unwrap_or_default();
        let text = match &value {
            Value::Enum(name) => name.as_str(),
            Value::String(text) => text.as_str(),
            _ => return Err(InputValueError::expected_type(value)),
        };
        NAMES
            .iter()
            .find(|(_, name)| name == text)
            .map(|(status, _)| Self(*status))
            .ok_or_else(|| {
                InputValueError::custom(format_args!(
                    r#"Enumeration type does not contain value "{text}"."#
                ))
            })
    }

    fn to_value(&self) -> Value {
        Value::Enum(Name::new(name_of(self.0)))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_from_its_graphql_name() {
        for status in InvoiceStatus::ALL {
            let value = Status(status).to_value();
            assert_eq!(Status::parse(Some(value)).ok(), Some(Status(status)));
        }
        let unknown = Status::parse(Some(Value::Enum(Name::new("PAID"))));
        assert!(unknown.is_err());
        assert!(Status::parse(Some(Value::Number(1.into()))).is_err());
    }
}
