//! Intercom's search grammar, shared by contacts and conversations.
//!
//! A query is a single filter `{field, operator, value}` or a group `{operator: AND|OR, value:
//! [...]}`. Groups nest at most two levels deep and hold at most 15 filters each. Which fields
//! exist and what type they have comes from the caller's schema; the value must match the
//! field's type. Date fields (the contact search's `created_at`, `updated_at`) are matched by
//! calendar day (UTC here): `=` is the whole day, `>` starts at the next day, `<` ends before the
//! day, and other operators are refused.

use serde_json::Value;

use super::IcError;
use crate::clock;

/// The most filters one AND/OR group may hold.
pub(crate) const MAX_FILTERS_PER_GROUP: usize = 15;
/// The deepest nesting of groups.
pub(crate) const MAX_NESTING: usize = 2;

/// The type of a searchable field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A string compared exactly.
    Text,
    /// A string compared without regard to letter case (emails).
    TextNoCase,
    /// A UNIX timestamp matched by calendar day.
    Day,
    /// An integer (also timestamps where the API compares them as numbers).
    Int,
    /// A boolean.
    Bool,
    /// A list of ids; `=` means "contains".
    Ids,
    /// Free text matched word by word (`source.body`).
    Words,
}

/// The value of a field on one record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Field {
    /// A string, or nothing.
    Text(Option<String>),
    /// An integer or timestamp, or nothing.
    Int(Option<i64>),
    /// A boolean.
    Bool(bool),
    /// A list of ids.
    Ids(Vec<String>),
}

/// Maps a field name to its type, `None` for an unknown field.
pub(crate) type Schema = fn(&str) -> Option<Kind>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    In,
    Nin,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
    Gt,
    Lt,
    Ge,
    Le,
}

impl Op {
    fn parse(text: &str) -> Option<Op> {
        Some(match text {
            "=" => Op::Eq,
            "!=" => Op::Ne,
            "IN" => Op::In,
            "NIN" => Op::Nin,
            "~" => Op::Contains,
            "!~" => Op::NotContains,
            "^" => Op::StartsWith,
            "$" => Op::EndsWith,
            ">" => Op::Gt,
            "<" => Op::Lt,
            ">=" => Op::Ge,
            "<=" => Op::Le,
            _ => return None,
        })
    }

    fn allowed_on(self, kind: Kind) -> bool {
        use Op::*;
        match kind {
            Kind::Text | Kind::TextNoCase | Kind::Ids | Kind::Words => {
                matches!(
                    self,
                    Eq | Ne | In | Nin | Contains | NotContains | StartsWith | EndsWith
                )
            }
            Kind::Int => matches!(self, Eq | Ne | In | Nin | Gt | Lt | Ge | Le),
            Kind::Day => matches!(self, Eq | Gt | Lt),
            Kind::Bool => matches!(self, Eq | Ne | In | Nin),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Null,
    Text(String),
    Texts(Vec<String>),
    Int(i64),
    Ints(Vec<i64>),
    Bool(bool),
    Bools(Vec<bool>),
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Filter {
        field: String,
        kind: Kind,
        op: Op,
        operand: Operand,
    },
    Group {
        all: bool,
        nodes: Vec<Node>,
    },
}

/// A parsed, checked query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Query(Node);

pub(super) fn invalid(message: impl Into<String>) -> IcError {
    IcError::bad_request("parameter_invalid", message)
}

impl Query {
    /// Parses the `query` member of a search body.
    pub(crate) fn parse(query: &Value, schema: Schema) -> Result<Query, IcError> {
        parse_node(query, schema, 0).map(Query)
    }

    /// Whether a record matches; `get` returns the value of a field the schema knows.
    pub(crate) fn matches(&self, get: &dyn Fn(&str) -> Field) -> bool {
        eval(&self.0, get)
    }
}

fn parse_node(value: &Value, schema: Schema, depth: usize) -> Result<Node, IcError> {
    let object = value
        .as_object()
        .ok_or_else(|| invalid("Each query filter must be an object"))?;
    let operator = object
        .get("operator")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("Each query filter needs a string `operator`"))?;
    if operator == "AND" || operator == "OR" {
        if depth >= MAX_NESTING {
            return Err(invalid(format!(
                "Filters can be nested at most {MAX_NESTING} levels deep"
            )));
        }
        let items = object
            .get("value")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid(format!("An {operator} filter needs an array `value`")))?;
        if items.is_empty() {
            return Err(invalid(format!(
                "An {operator} filter needs at least one filter"
            )));
        }
        if items.len() > MAX_FILTERS_PER_GROUP {
            return Err(invalid(format!(
                "An {operator} filter can hold at most {MAX_FILTERS_PER_GROUP} filters, got {}",
                items.len()
            )));
        }
        let nodes = items
            .iter()
            .map(|item| parse_node(item, schema, depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Node::Group {
            all: operator == "AND",
            nodes,
        });
    }
    let field = object
        .get("field")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("A single filter needs a string `field`"))?;
    let kind =
        schema(field).ok_or_else(|| invalid(format!("`{field}` is not a searchable field")))?;
    let op = Op::parse(operator)
        .ok_or_else(|| invalid(format!("`{operator}` is not a valid operator")))?;
    if !op.allowed_on(kind) {
        return Err(invalid(format!(
            "The operator `{operator}` is not supported for the field `{field}`"
        )));
    }
    let raw = object.get("value").unwrap_or(&Value::Null);
    let operand = parse_operand(field, kind, op, raw)?;
    Ok(Node::Filter {
        field: field.to_owned(),
        kind,
        op,
        operand,
    })
}

fn parse_operand(field: &str, kind: Kind, op: Op, raw: &Value) -> Result<Operand, IcError> {
    let mismatch = || {
        IcError::bad_request(
            "type_mismatch",
            format!("The value for `{field}` does not match the field's type"),
        )
    };
    if matches!(op, Op::In | Op::Nin) {
        let items = raw
            .as_array()
            .ok_or_else(|| invalid(format!("IN and NIN need an array value (field `{field}`)")))?;
        return match kind {
            Kind::Int | Kind::Day => items
                .iter()
                .map(as_int)
                .collect::<Option<Vec<_>>>()
                .map(Operand::Ints)
                .ok_or_else(mismatch),
            Kind::Bool => items
                .iter()
                .map(as_bool)
                .collect::<Option<Vec<_>>>()
                .map(Operand::Bools)
                .ok_or_else(mismatch),
            _ => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .map(Operand::Texts)
                .ok_or_else(mismatch),
        };
    }
    if raw.is_null() {
        return if matches!(op, Op::Eq | Op::Ne) {
            Ok(Operand::Null)
        } else {
            Err(invalid(format!("The filter on `{field}` needs a value")))
        };
    }
    match kind {
        Kind::Int | Kind::Day => as_int(raw).map(Operand::Int).ok_or_else(mismatch),
        Kind::Bool => as_bool(raw).map(Operand::Bool).ok_or_else(mismatch),
        _ => raw
            .as_str()
            .map(|s| Operand::Text(s.to_owned()))
            .ok_or_else(mismatch),
    }
}

pub(super) fn as_int(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

fn eval(node: &Node, get: &dyn Fn(&str) -> Field) -> bool {
    match node {
        Node::Group { all: true, nodes } => nodes.iter().all(|n| eval(n, get)),
        Node::Group { all: false, nodes } => nodes.iter().any(|n| eval(n, get)),
        Node::Filter {
            field,
            kind,
            op,
            operand,
        } => eval_filter(*kind, *op, operand, &get(field)),
    }
}

fn eval_filter(kind: Kind, op: Op, operand: &Operand, field: &Field) -> bool {
    match (op, operand) {
        (Op::Ne, _) => !eval_filter(kind, Op::Eq, operand, field),
        (Op::NotContains, _) => !eval_filter(kind, Op::Contains, operand, field),
        (Op::Nin, _) => !eval_filter(kind, Op::In, operand, field),
        (Op::In, Operand::Texts(items)) => items
            .iter()
            .any(|t| eval_filter(kind, Op::Eq, &Operand::Text(t.clone()), field)),
        (Op::In, Operand::Ints(items)) => items
            .iter()
            .any(|i| eval_filter(kind, Op::Eq, &Operand::Int(*i), field)),
        (Op::In, Operand::Bools(items)) => items
            .iter()
            .any(|b| eval_filter(kind, Op::Eq, &Operand::Bool(*b), field)),
        (_, Operand::Null) => match field {
            Field::Text(v) => v.as_deref().is_none_or(str::is_empty),
            Field::Int(v) => v.is_none(),
            Field::Ids(v) => v.is_empty(),
            Field::Bool(_) => false,
        },
        (_, Operand::Text(wanted)) => match field {
            Field::Text(Some(have)) => text_matches(kind, op, have, wanted),
            Field::Ids(have) => have.iter().any(|h| text_matches(kind, op, h, wanted)),
            _ => false,
        },
        (_, Operand::Int(wanted)) => match field {
            Field::Int(Some(have)) => int_matches(kind, op, *have, *wanted),
            _ => false,
        },
        (Op::Eq, Operand::Bool(wanted)) => matches!(field, Field::Bool(b) if b == wanted),
        _ => false,
    }
}

fn text_matches(kind: Kind, op: Op, have: &str, wanted: &str) -> bool {
    if kind == Kind::Words && op == Op::Eq {
        let wanted = wanted.to_lowercase();
        return words(have).any(|w| w == wanted);
    }
    if op == Op::Eq {
        return if kind == Kind::TextNoCase {
            have.eq_ignore_ascii_case(wanted)
        } else {
            have == wanted
        };
    }
    let have = have.to_lowercase();
    let wanted = wanted.to_lowercase();
    match op {
        Op::Contains => have.contains(&wanted),
        Op::StartsWith => have.starts_with(&wanted),
        Op::EndsWith => have.ends_with(&wanted),
        _ => false,
    }
}

/// The lowercase words of a text, HTML tags left out.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    let mut in_tag = false;
    let stripped: String = text
        .chars()
        .map(|c| match c {
            '<' => {
                in_tag = true;
                ' '
            }
            '>' => {
                in_tag = false;
                ' '
            }
            _ if in_tag => ' ',
            _ => c,
        })
        .collect();
    stripped
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .into_iter()
}

fn int_matches(kind: Kind, op: Op, have: i64, wanted: i64) -> bool {
    if kind == Kind::Day {
        let day = clock::day_start(wanted);
        return match op {
            Op::Eq => clock::day_start(have) == day,
            Op::Gt => have >= day + 86_400,
            Op::Lt => have < day,
            _ => false,
        };
    }
    match op {
        Op::Eq => have == wanted,
        Op::Gt => have > wanted,
        Op::Lt => have < wanted,
        Op::Ge => have >= wanted,
        Op::Le => have <= wanted,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(field: &str) -> Option<Kind> {
        match field {
            "phone" | "name" => Some(Kind::Text),
            "email" => Some(Kind::TextNoCase),
            "created_at" => Some(Kind::Day),
            "count" => Some(Kind::Int),
            "ids" => Some(Kind::Ids),
            _ => None,
        }
    }

    fn record(field: &str) -> Field {
        match field {
            "phone" => Field::Text(Some("07 62 04 35 75".into())),
            "name" => Field::Text(None),
            "email" => Field::Text(Some("Jane@Acme.io".into())),
            "created_at" => Field::Int(Some(1_577_869_200)),
            "count" => Field::Int(Some(3)),
            "ids" => Field::Ids(vec!["a".into(), "b".into()]),
            _ => Field::Text(None),
        }
    }

    fn hit(query: Value) -> bool {
        Query::parse(&query, schema)
            .expect("valid query")
            .matches(&record)
    }

    #[test]
    fn string_operators() {
        assert!(hit(
            json!({"field":"phone","operator":"=","value":"07 62 04 35 75"})
        ));
        assert!(!hit(
            json!({"field":"phone","operator":"=","value":"+33762043575"})
        ));
        assert!(hit(json!({"field":"phone","operator":"~","value":"04 35"})));
        assert!(hit(json!({"field":"phone","operator":"^","value":"07"})));
        assert!(hit(json!({"field":"phone","operator":"$","value":"75"})));
        assert!(hit(json!({"field":"phone","operator":"!~","value":"99"})));
        assert!(hit(
            json!({"field":"email","operator":"=","value":"jane@acme.io"})
        ));
        assert!(hit(json!({"field":"name","operator":"=","value":null})));
        assert!(hit(json!({"field":"name","operator":"!=","value":"x"})));
        assert!(hit(
            json!({"field":"phone","operator":"NIN","value":["1","2"]})
        ));
        assert!(hit(json!({"field":"ids","operator":"=","value":"b"})));
    }

    #[test]
    fn dates_match_by_day() {
        assert!(hit(
            json!({"field":"created_at","operator":"=","value":1_577_836_800})
        ));
        assert!(!hit(
            json!({"field":"created_at","operator":">","value":1_577_836_800})
        ));
        assert!(hit(
            json!({"field":"created_at","operator":"<","value":"1577923200"})
        ));
        assert!(Query::parse(
            &json!({"field":"created_at","operator":">=","value":1}),
            schema
        )
        .is_err());
    }

    #[test]
    fn groups_nest_two_levels() {
        let leaf = json!({"field":"count","operator":">","value":2});
        assert!(hit(
            json!({"operator":"AND","value":[leaf, {"operator":"OR","value":[leaf]}]})
        ));
        let too_deep = json!({"operator":"AND","value":[{"operator":"OR","value":[{"operator":"OR","value":[leaf]}]}]});
        assert!(Query::parse(&too_deep, schema).is_err());
        let wide = json!({"operator":"OR","value": vec![leaf.clone(); 16]});
        assert!(Query::parse(&wide, schema).is_err());
    }

    #[test]
    fn wrong_types_and_fields_are_refused() {
        for q in [
            json!({"field":"phone","operator":"=","value":33}),
            json!({"field":"nope","operator":"=","value":"x"}),
            json!({"field":"phone","operator":">","value":"x"}),
            json!({"field":"phone","operator":"IN","value":"x"}),
        ] {
            assert!(Query::parse(&q, schema).is_err(), "{q}");
        }
    }
}
