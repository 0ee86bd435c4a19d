//! Notes as Intercom holds them (HTML) and as agents type and read them (plain text).

/// Escapes text for an Intercom note.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A note's plain text as Intercom's HTML: escaped, one line break per line.
pub fn note_html(text: &str) -> String {
    format!("<p>{}</p>", escape(text).replace('\n', "<br>"))
}

/// A note's HTML as plain text, for the agent to read: the text [`note_html`] was made from,
/// and any other note's words with its markup dropped (a line break per `<br>`, paragraph or
/// list item).
pub fn note_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            // A lone `<` is text.
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end].trim().to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split_whitespace()
            .next()
            .unwrap_or("");
        let breaks = name == "br" || (matches!(name, "p" | "li") && tag.starts_with('/'));
        if breaks {
            out.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    let text = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.trim_end_matches('\n').to_owned()
}
