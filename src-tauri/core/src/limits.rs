//! The limits on what an agent types, counted in one unit everywhere they are checked: Unicode
//! scalar values (Rust's `str::chars`, JavaScript's `[...text].length`). The hub's agents' API,
//! the desktop app and its UI all read them from here.

/// The longest note, in characters.
pub const NOTE_MAX_CHARS: usize = 20_000;

/// The longest tag name, in characters.
pub const TAG_MAX_CHARS: usize = 100;

/// Whether `text` fits in `max` characters.
pub fn fits(text: &str, max: usize) -> bool {
    text.chars().count() <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_counts_characters_not_bytes() {
        // 7,000 Japanese characters are 21,000 bytes in UTF-8.
        let japanese = "議".repeat(7_000);
        assert!(japanese.len() > NOTE_MAX_CHARS);
        assert!(fits(&japanese, NOTE_MAX_CHARS));
        assert!(fits(&"a".repeat(NOTE_MAX_CHARS), NOTE_MAX_CHARS));
        assert!(!fits(&"a".repeat(NOTE_MAX_CHARS + 1), NOTE_MAX_CHARS));
    }
}
