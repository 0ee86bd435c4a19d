//! Aircall's Conversation Intelligence for a call, as its webhooks bring it: the summary, the
//! action items, the topics and the caller's sentiment. They come after the call ended,
//! sometimes minutes later, in any order, and only to accounts with Aircall's AI add-on.
//!
//! The shapes are not all documented: `data` is the insight object (`{id, call_id, content,
//! participants, …}`), or that object under a wrapper key (`{"summary": {...}}`), and a content
//! is a string, a list of strings, or a list of `{content}` objects. Each is read here, once,
//! into an [`Insight`]; anything else is refused with the reason.

use serde_json::Value;

/// Which insight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InsightKind {
    /// `summary.created`: a paragraph about the call.
    Summary,
    /// `action_item.created`: what to do next.
    ActionItems,
    /// `topics.created`: what the call was about.
    Topics,
    /// `sentiment.created`: how the caller felt.
    Sentiment,
}

impl InsightKind {
    /// Reads an event name. Switches on the event, not on `resource`, which sources disagree on.
    pub fn parse(event: &str) -> Option<Self> {
        Some(match event {
            "summary.created" => InsightKind::Summary,
            "action_item.created" | "action_items.created" => InsightKind::ActionItems,
            "topics.created" | "topic.created" => InsightKind::Topics,
            "sentiment.created" | "sentiments.created" => InsightKind::Sentiment,
            _ => return None,
        })
    }

    /// The name used in keys.
    pub fn as_str(self) -> &'static str {
        match self {
            InsightKind::Summary => "summary",
            InsightKind::ActionItems => "action_items",
            InsightKind::Topics => "topics",
            InsightKind::Sentiment => "sentiment",
        }
    }

    /// The wrapper keys a body may nest the object under.
    fn wrappers(self) -> &'static [&'static str] {
        match self {
            InsightKind::Summary => &["summary"],
            InsightKind::ActionItems => &["action_item", "action_items"],
            InsightKind::Topics => &["topic", "topics"],
            InsightKind::Sentiment => &["sentiment", "sentiments"],
        }
    }
}

/// One insight of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insight {
    /// Which.
    pub kind: InsightKind,
    /// The call it is about.
    pub call_id: u64,
    /// Aircall's id of the insight, when given (it keeps a redelivery from noting it twice).
    pub id: Option<String>,
    /// The text: one entry for a summary or a sentiment, one per item or topic.
    pub items: Vec<String>,
}

impl Insight {
    /// Reads an insight event's `data`.
    pub fn from_data(kind: InsightKind, data: &Value) -> Result<Insight, String> {
        let object = kind
            .wrappers()
            .iter()
            .find_map(|w| data.get(*w).filter(|v| v.is_object()))
            .unwrap_or(data);
        let call_id = match object.get("call_id") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .ok_or("no `call_id`")?;
        let id = match object.get("id") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let items = match kind {
            InsightKind::Sentiment => sentiment(object).into_iter().collect(),
            _ => texts(object.get("content").unwrap_or(&Value::Null)),
        };
        if items.is_empty() {
            return Err(format!("no {} in it", kind.as_str().replace('_', " ")));
        }
        Ok(Insight {
            kind,
            call_id,
            id,
            items,
        })
    }
}

/// The texts of a content: a string, a list of strings, or a list of `{content}` objects.
fn texts(content: &Value) -> Vec<String> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Object(o) => o
            .get("content")
            .or_else(|| o.get("text"))
            .and_then(Value::as_str)
            .map(|s| s.trim().to_owned()),
        _ => None,
    };
    match content {
        Value::Array(list) => list.iter().filter_map(one).collect::<Vec<_>>(),
        other => one(other).into_iter().collect(),
    }
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect()
}

/// The caller's sentiment: the external participant's value (`NEGATIVE` → "Negative"), else
/// a plain content.
fn sentiment(object: &Value) -> Option<String> {
    let participants = object.get("participants").and_then(Value::as_array);
    let value = participants
        .and_then(|list| {
            list.iter()
                .find(|p| p.get("participant_type").and_then(Value::as_str) == Some("external"))
                .or_else(|| list.first())
        })
        .and_then(|p| p.get("value"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            texts(object.get("content").unwrap_or(&Value::Null))
                .into_iter()
                .next()
        })?;
    let value = value.trim().to_lowercase();
    let mut chars = value.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_shape_the_sources_disagree_on_is_read() {
        let plain = json!({"id": 1, "call_id": 812, "content": "Customer asked about billing."});
        let wrapped = json!({"summary": {"id": 1, "call_id": "812", "content": "Customer asked about billing."}});
        for data in [plain, wrapped] {
            let s = Insight::from_data(InsightKind::Summary, &data).unwrap();
            assert_eq!((s.call_id, s.id.as_deref()), (812, Some("1")));
            assert_eq!(s.items, ["Customer asked about billing."]);
        }
        let topics =
            json!({"topic": {"id": 4, "call_id": 812, "content": ["billing", " renewal "]}});
        let t = Insight::from_data(InsightKind::Topics, &topics).unwrap();
        assert_eq!(t.items, ["billing", "renewal"]);
        let items = json!({"call_id": 812, "content": [{"id": 5, "content": "Send quote"}]});
        let a = Insight::from_data(InsightKind::ActionItems, &items).unwrap();
        assert_eq!(a.items, ["Send quote"]);
        let feeling = json!({"sentiment": {"id": 3, "call_id": 812, "participants": [
            {"participant_type": "internal", "value": "POSITIVE"},
            {"participant_type": "external", "phone_number": "+33612345678", "value": "NEGATIVE"}]}});
        let f = Insight::from_data(InsightKind::Sentiment, &feeling).unwrap();
        assert_eq!(f.items, ["Negative"]);
    }

    #[test]
    fn an_insight_without_its_call_or_its_text_is_refused_with_the_reason() {
        let no_call = Insight::from_data(InsightKind::Summary, &json!({"content": "x"}));
        assert_eq!(no_call.unwrap_err(), "no `call_id`");
        let empty = Insight::from_data(InsightKind::Topics, &json!({"call_id": 1, "content": []}));
        assert_eq!(empty.unwrap_err(), "no topics in it");
        assert_eq!(
            InsightKind::parse("summary.created"),
            Some(InsightKind::Summary)
        );
        assert_eq!(InsightKind::parse("transcription.created"), None);
    }
}
