//! Aircall's page-number pagination: `page`, `per_page` (max 50), `order`, and the `meta`
//! object with absolute links. A query never reaches past its first 10,000 records.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::AcError;

/// The default page size.
pub(crate) const DEFAULT_PER_PAGE: usize = 20;
/// The largest page size; bigger requests are cut down to it.
pub(crate) const MAX_PER_PAGE: usize = 50;
/// No query reaches past this many records, even with paging.
pub(crate) const RECORD_CAP: usize = 10_000;

/// A requested page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    pub page: usize,
    pub per_page: usize,
    /// `order=desc`: newest first.
    pub descending: bool,
}

fn positive(params: &HashMap<String, String>, key: &str) -> Result<Option<usize>, AcError> {
    match params.get(key) {
        None => Ok(None),
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(AcError::bad_request(format!(
                "{key} must be a positive integer"
            ))),
        },
    }
}

impl Paging {
    /// Reads `page`, `per_page` and `order`.
    pub(crate) fn parse(params: &HashMap<String, String>) -> Result<Paging, AcError> {
        let page = positive(params, "page")?.unwrap_or(1);
        let per_page = positive(params, "per_page")?
            .unwrap_or(DEFAULT_PER_PAGE)
            .min(MAX_PER_PAGE);
        let descending = match params.get("order").map(String::as_str) {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(AcError::bad_request(format!(
                    "order must be asc or desc, not `{other}`"
                )))
            }
        };
        if (page - 1) * per_page >= RECORD_CAP {
            return Err(AcError::bad_request(format!(
                "Paging is limited to the first {RECORD_CAP} records of a query; narrow it with from and to"
            )));
        }
        Ok(Paging {
            page,
            per_page,
            descending,
        })
    }

    /// Cuts this page out of `items` (oldest first) and builds `meta` with links on `base` +
    /// `path`, keeping the other query parameters.
    pub(crate) fn page<T>(
        &self,
        mut items: Vec<T>,
        base: &str,
        path: &str,
        params: &HashMap<String, String>,
    ) -> (Vec<T>, Value) {
        if self.descending {
            items.reverse();
        }
        let total = items.len();
        let reachable = total.min(RECORD_CAP);
        let start = (self.page - 1) * self.per_page;
        let data: Vec<T> = items
            .into_iter()
            .take(reachable)
            .skip(start)
            .take(self.per_page)
            .collect();
        let link = |page: usize| {
            let mut pairs: Vec<(&String, &String)> = params
                .iter()
                .filter(|(k, _)| k.as_str() != "page" && k.as_str() != "per_page")
                .collect();
            pairs.sort();
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in pairs {
                query.append_pair(k, v);
            }
            query.append_pair("page", &page.to_string());
            query.append_pair("per_page", &self.per_page.to_string());
            Value::String(format!("{base}{path}?{}", query.finish()))
        };
        let next = if start + self.per_page < reachable {
            link(self.page + 1)
        } else {
            Value::Null
        };
        let previous = if self.page > 1 {
            link(self.page - 1)
        } else {
            Value::Null
        };
        let meta = json!({
            "count": data.len(),
            "total": total,
            "current_page": self.page,
            "per_page": self.per_page,
            "next_page_link": next,
            "previous_page_link": previous,
        });
        (data, meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn pages_and_links() {
        let q = params(&[("per_page", "2"), ("page", "2"), ("order", "desc")]);
        let paging = Paging::parse(&q).expect("paging");
        let (data, meta) = paging.page(vec![1, 2, 3, 4, 5], "http://h", "/v1/calls", &q);
        assert_eq!(data, vec![3, 2]);
        assert_eq!(meta["count"], 2);
        assert_eq!(meta["total"], 5);
        assert_eq!(
            meta["next_page_link"],
            "http://h/v1/calls?order=desc&page=3&per_page=2"
        );
        assert_eq!(
            meta["previous_page_link"],
            "http://h/v1/calls?order=desc&page=1&per_page=2"
        );
    }

    #[test]
    fn limits() {
        let big = Paging::parse(&params(&[("per_page", "500")])).expect("paging");
        assert_eq!(big.per_page, 50);
        assert!(Paging::parse(&params(&[("page", "0")])).is_err());
        assert!(Paging::parse(&params(&[("order", "up")])).is_err());
        assert!(Paging::parse(&params(&[("page", "201"), ("per_page", "50")])).is_err());
    }
}
