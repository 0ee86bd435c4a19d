//! The words Ringside writes into Intercom: first messages (plain text) and internal notes
//! (Intercom notes accept some HTML, so every value from Aircall is escaped).

use crate::aircall::{Call, Comment, Direction, Message};
pub use crate::domain::note::escape;

/// `[Inbound answered call] on Support FR`, `[Inbound missed call] on …`, `[Outbound call] on …`.
pub fn call_first_message(call: &Call) -> String {
    let what = match (call.direction, call.answered_at.is_some()) {
        (Direction::Outbound, _) => "Outbound call",
        (Direction::Inbound, true) => "Inbound answered call",
        (Direction::Inbound, false) if call.voicemail.is_some() => {
            "Inbound missed call with voicemail"
        }
        (Direction::Inbound, false) => "Inbound missed call",
    };
    format!(
        "[{what}] on {}",
        line_name(call.number.as_ref().map(|n| n.name.as_str()))
    )
}

/// `[Inbound SMS on Support FR]`, `[Outbound WhatsApp on Sales US]`.
pub fn message_first_message(message: &Message) -> String {
    let direction = match message.direction {
        Direction::Inbound => "Inbound",
        Direction::Outbound => "Outbound",
    };
    format!(
        "[{direction} {} on {}]",
        message.channel_label(),
        line_name(message.number.as_ref().map(|n| n.name.as_str()))
    )
}

fn line_name(name: Option<&str>) -> String {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => n.to_owned(),
        None => "Aircall".to_owned(),
    }
}

/// The longest span a note shows as a duration: a call or a wait longer than a week is a wrong
/// or hostile timestamp, not a call.
pub const LONGEST_SPAN_SECS: i64 = 7 * 24 * 3600;

/// "3 min 12 s", "45 s"; "unknown" for a span no call has (negative or over a week).
pub fn duration(secs: i64) -> String {
    if !(0..=LONGEST_SPAN_SECS).contains(&secs) {
        return "unknown".to_owned();
    }
    match (secs / 3600, secs % 3600 / 60, secs % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// The time from `from` to `to`, as [`duration`] words. Aircall's timestamps are read as they
/// come, so the difference is checked: an overflow (`started_at: -9223372036854775808`) is an
/// unknown span, and a few seconds of clock skew between Aircall's servers are none at all.
pub fn span(from: i64, to: i64) -> String {
    match to.checked_sub(from) {
        Some(secs) if (-CLOCK_SKEW_SECS..0).contains(&secs) => duration(0),
        Some(secs) => duration(secs),
        None => duration(-1),
    }
}

/// How far apart two of Aircall's timestamps may be out of order and still be read as the same
/// moment.
const CLOCK_SKEW_SECS: i64 = 5;

/// The link that lasts: Aircall's asset page (authenticated), else the direct media URL, which
/// expires within the hour.
pub fn media_link(call: &Call) -> Option<String> {
    call.asset
        .clone()
        .or_else(|| call.recording.clone())
        .or_else(|| call.voicemail.clone())
        .filter(|l| is_web_link(l))
}

fn is_web_link(link: &str) -> bool {
    link.starts_with("https://") || link.starts_with("http://")
}

fn link(url: &str, label: &str) -> String {
    format!("<a href=\"{}\">{}</a>", escape(url), escape(label))
}

/// The call's details, written once its data is final.
pub fn call_summary(call: &Call) -> String {
    let mut items = Vec::new();
    let external = call.raw_digits.trim();
    let line = call.number.as_ref();
    let line_text = line
        .map(|n| format!("{} ({})", n.name, n.digits))
        .unwrap_or_else(|| "unknown".to_owned());
    match call.direction {
        Direction::Inbound => {
            items.push(format!(
                "Caller: {}",
                escape(if external.is_empty() {
                    "unknown"
                } else {
                    external
                })
            ));
            items.push(format!("Aircall number: {}", escape(&line_text)));
        }
        Direction::Outbound => {
            items.push(format!(
                "Called: {}",
                escape(if external.is_empty() {
                    "unknown"
                } else {
                    external
                })
            ));
            items.push(format!("From Aircall number: {}", escape(&line_text)));
        }
    }
    if let (Some(start), Some(answer)) = (call.started_at, call.answered_at) {
        items.push(format!("Waiting time: {}", span(start, answer)));
    } else if let Some(reason) = &call.missed_call_reason {
        items.push(format!("Missed: {}", escape(&reason.replace('_', " "))));
    }
    if let Some(user) = &call.user {
        items.push(format!("Teammate: {}", escape(&user.name)));
    }
    if let Some(to) = &call.transferred_to {
        let by = call
            .transferred_by
            .as_ref()
            .map(|u| format!(" by {}", escape(&u.name)))
            .unwrap_or_default();
        items.push(format!("Transferred to {}{by}", escape(&to.name)));
    }
    match (call.answered_at, call.ended_at, call.duration) {
        (Some(answer), Some(end), total) => {
            let total = total
                .map(|t| format!(" ({} in all)", duration(t)))
                .unwrap_or_default();
            items.push(format!("Duration: {}{total}", span(answer, end)));
        }
        (None, _, Some(total)) => {
            items.push(format!("Duration: {} (not answered)", duration(total)))
        }
        _ => {}
    }
    if let Some(l) = media_link(call) {
        let label = if call.voicemail.is_some() && call.recording.is_none() {
            "Voicemail"
        } else {
            "Recording"
        };
        items.push(format!("{label}: {}", link(&l, "listen in Aircall")));
    }
    let title = escape(&call_first_message(call));
    let list: String = items.iter().map(|i| format!("<li>{i}</li>")).collect();
    format!(
        "<p><b>{title}</b> (Aircall call {})</p><ul>{list}</ul>",
        call.id
    )
}

/// A recording or voicemail that became ready after the summary.
pub fn media_note(call: &Call, url: &str) -> String {
    let label = if call.voicemail.is_some() && call.recording.is_none() {
        "Voicemail"
    } else {
        "Recording"
    };
    format!(
        "<p>{label} of Aircall call {}: {}</p>",
        call.id,
        link(url, "listen in Aircall")
    )
}

/// One Aircall comment, posted once.
pub fn comment_note(comment: &Comment) -> String {
    let by = comment
        .posted_by
        .as_ref()
        .map(|u| format!(" by {}", escape(&u.name)))
        .unwrap_or_default();
    let text = escape(&comment.content).replace('\n', "<br>");
    format!("<p><b>Note in Aircall{by}:</b> {text}</p>")
}

/// A note of Aircall's AI about the call (its text escaped).
pub fn insight_note(insight: &crate::insight::Insight) -> String {
    use crate::insight::InsightKind;
    let items: Vec<String> = insight
        .items
        .iter()
        .map(|i| escape(i).replace('\n', "<br>"))
        .collect();
    match insight.kind {
        InsightKind::Summary => format!("<p><b>Aircall AI summary:</b> {}</p>", items.join("<br>")),
        InsightKind::ActionItems => format!(
            "<p><b>Aircall AI action items:</b></p><ul>{}</ul>",
            items
                .iter()
                .map(|i| format!("<li>{i}</li>"))
                .collect::<String>()
        ),
        InsightKind::Topics => {
            format!("<p><b>Aircall AI topics:</b> {}</p>", items.join(", "))
        }
        InsightKind::Sentiment => format!(
            "<p><b>Aircall AI, the caller's sentiment:</b> {}</p>",
            items.join(", ")
        ),
    }
}

/// Who reassigned the call to whom.
pub fn reassigned_note(from: Option<&str>, to: &str) -> String {
    match from {
        Some(from) => format!(
            "<p>Call reassigned in Aircall from {} to {}</p>",
            escape(from),
            escape(to)
        ),
        None => format!("<p>Call reassigned in Aircall to {}</p>", escape(to)),
    }
}

/// "Delivered" or "Delivery Failed", when the status says.
pub fn delivery_status(message: &Message) -> Option<&'static str> {
    match message.status.as_deref()?.to_ascii_lowercase().as_str() {
        "delivered" | "read" => Some("Delivered"),
        "failed" | "undelivered" | "delivery_failed" | "error" => Some("Delivery Failed"),
        _ => None,
    }
}

/// A message's details (its delivery status has a note of its own, [`status_note`]).
pub fn message_note(message: &Message) -> String {
    let line = message.number.as_ref();
    let line_text = line
        .map(|n| format!("{} ({})", n.name, n.digits))
        .unwrap_or_else(|| "unknown".to_owned());
    let external = message
        .external_number
        .as_deref()
        .or(message.raw_digits.as_deref())
        .unwrap_or("unknown");
    let line_digits = line.map(|n| n.digits.as_str()).unwrap_or("Aircall");
    let (from, to) = match message.direction {
        Direction::Inbound => (external.to_owned(), line_digits.to_owned()),
        Direction::Outbound => {
            let sender = message
                .user
                .as_ref()
                .map(|u| format!("{} ({line_digits})", u.name))
                .unwrap_or_else(|| line_digits.to_owned());
            (sender, external.to_owned())
        }
    };
    let items = [
        format!("Aircall number: {}", escape(&line_text)),
        format!("From: {}", escape(&from)),
        format!("To: {}", escape(&to)),
        format!(
            "Message: {}",
            escape(message.body.as_deref().unwrap_or("")).replace('\n', "<br>")
        ),
    ];
    let list: String = items.iter().map(|i| format!("<li>{i}</li>")).collect();
    format!(
        "<p><b>{}</b></p><ul>{list}</ul>",
        escape(&message_first_message(message))
    )
}

/// A later delivery status.
pub fn status_note(status: &str) -> String {
    format!("<p>Delivery status: {}</p>", escape(status))
}
