//! Sorting and cursor pagination of Intercom lists and searches.
//!
//! A cursor (`starting_after`) is opaque to clients; here it encodes the offset of the next
//! page. Pages only go forward: the answer's `pages.next` is absent on the last page.

use std::cmp::Ordering;

use base64::Engine;
use serde_json::{json, Map, Value};

use super::search::{as_int, invalid, Field, Kind, Schema};
use super::IcError;

/// The largest page Intercom serves.
pub(crate) const MAX_PER_PAGE: usize = 150;

/// A requested sort: field and direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sort {
    pub field: String,
    pub descending: bool,
}

impl Sort {
    /// Reads `sort` from a search body; `default_field` descending when absent.
    pub(crate) fn parse(
        body: &Map<String, Value>,
        schema: Schema,
        default_field: &str,
    ) -> Result<Sort, IcError> {
        let Some(sort) = body.get("sort").filter(|v| !v.is_null()) else {
            return Ok(Sort {
                field: default_field.to_owned(),
                descending: true,
            });
        };
        let sort = sort
            .as_object()
            .ok_or_else(|| invalid("`sort` must be an object"))?;
        let field = match sort.get("field").and_then(Value::as_str) {
            Some(f) if schema(f).is_some_and(|k| k != Kind::Ids) => f.to_owned(),
            Some(f) => return Err(invalid(format!("Cannot sort by `{f}`"))),
            None => default_field.to_owned(),
        };
        let descending = match sort.get("order") {
            None | Some(Value::Null) => true,
            Some(Value::String(o)) if o == "descending" => true,
            Some(Value::String(o)) if o == "ascending" => false,
            Some(other) => {
                let shown = other
                    .as_str()
                    .map_or_else(|| other.to_string(), str::to_owned);
                return Err(IcError::bad_request(
                    "invalid_sort_order",
                    format!("Invalid sort order '{shown}'. Must be one of: ascending, descending"),
                ));
            }
        };
        Ok(Sort { field, descending })
    }

    /// Orders two records by this sort; ties keep a stable order by `id`.
    pub(crate) fn compare(&self, a: &Field, b: &Field) -> Ordering {
        let ord = match (a, b) {
            (Field::Int(x), Field::Int(y)) => x.cmp(y),
            (Field::Text(x), Field::Text(y)) => x.cmp(y),
            (Field::Bool(x), Field::Bool(y)) => x.cmp(y),
            _ => Ordering::Equal,
        };
        if self.descending {
            ord.reverse()
        } else {
            ord
        }
    }
}

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    pub per_page: usize,
    pub offset: usize,
}

impl Paging {
    /// Reads `{per_page, starting_after}` (from a search body's `pagination` or a query string).
    pub(crate) fn parse(
        per_page: Option<&Value>,
        starting_after: Option<&Value>,
        default_per_page: usize,
    ) -> Result<Paging, IcError> {
        let per_page = match per_page {
            None | Some(Value::Null) => default_per_page,
            Some(v) => match as_int(v) {
                Some(n) if (1..=MAX_PER_PAGE as i64).contains(&n) => n as usize,
                _ => {
                    return Err(invalid(format!(
                        "per_page must be an integer between 1 and {MAX_PER_PAGE}"
                    )))
                }
            },
        };
        let offset = match starting_after {
            None | Some(Value::Null) => 0,
            Some(Value::String(cursor)) => decode_cursor(cursor)
                .ok_or_else(|| invalid("starting_after is not a valid cursor"))?,
            Some(_) => return Err(invalid("starting_after must be a string")),
        };
        Ok(Paging { per_page, offset })
    }

    /// Reads `pagination` from a search body.
    pub(crate) fn from_body(
        body: &Map<String, Value>,
        default_per_page: usize,
    ) -> Result<Paging, IcError> {
        match body.get("pagination") {
            None | Some(Value::Null) => Paging::parse(None, None, default_per_page),
            Some(Value::Object(p)) => {
                Paging::parse(p.get("per_page"), p.get("starting_after"), default_per_page)
            }
            Some(_) => Err(invalid("`pagination` must be an object")),
        }
    }

    /// Cuts one page out of `items` and builds the `pages` object.
    pub(crate) fn page<T>(&self, items: Vec<T>) -> (Vec<T>, usize, Value) {
        let total = items.len();
        let page_number = self.offset / self.per_page + 1;
        let total_pages = total.div_ceil(self.per_page);
        let end = (self.offset + self.per_page).min(total);
        let data: Vec<T> = items
            .into_iter()
            .skip(self.offset)
            .take(end.saturating_sub(self.offset))
            .collect();
        let mut pages = json!({
            "type": "pages",
            "page": page_number,
            "per_page": self.per_page,
            "total_pages": total_pages,
        });
        if end < total {
            pages["next"] = json!({
                "page": page_number + 1,
                "starting_after": encode_cursor(end),
            });
        }
        (data, total, pages)
    }
}

fn encode_cursor(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("ringside-cursor:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("ringside-cursor:")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let paging = Paging::parse(Some(&json!(2)), None, 50).expect("paging");
        let (data, total, pages) = paging.page(vec![1, 2, 3, 4, 5]);
        assert_eq!((data, total), (vec![1, 2], 5));
        let next = pages["next"]["starting_after"].clone();
        let second = Paging::parse(Some(&json!(2)), Some(&next), 50).expect("paging");
        assert_eq!(second.page(vec![1, 2, 3, 4, 5]).0, vec![3, 4]);
        assert!(Paging::parse(None, Some(&json!("garbage")), 50).is_err());
        assert!(Paging::parse(Some(&json!(151)), None, 50).is_err());
    }
}
