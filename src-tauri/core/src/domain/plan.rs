//! What contact sync wants in Aircall for one Intercom contact, and what it takes to get there.
//!
//! Pure functions, no IO: an Intercom contact and its number become a [`Target`] (the Aircall
//! contact Ringside wants: first and last name, E.164 phone, email, the link back to Intercom),
//! whose [`Target::hash`] says whether anything changed since it was written; [`Changes`] lists
//! which parts of a written contact differ from a new target, since Aircall edits names, numbers
//! and emails through different endpoints.

use serde::{Deserialize, Serialize};

use crate::intercom::{self, Contact, Role};
use crate::phone::{Region, E164};

/// The label Ringside gives the numbers and emails it writes.
pub const DETAIL_LABEL: &str = "Work";

/// What an Intercom contact's phone is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// It has no phone.
    NoPhone,
    /// Its phone is this number.
    Number(E164),
    /// Its phone is not a number.
    Unparseable {
        /// The phone as stored in Intercom.
        phone: String,
        /// Why it is not a number.
        reason: String,
    },
}

impl Reading {
    /// Reads a contact's phone, national forms in `region`.
    pub fn of(contact: &Contact, region: Region) -> Reading {
        match contact
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            None => Reading::NoPhone,
            Some(phone) => match E164::parse(phone, region) {
                Ok(number) => Reading::Number(number),
                Err(e) => Reading::Unparseable {
                    phone: phone.to_owned(),
                    reason: e.to_string(),
                },
            },
        }
    }

    /// The number, when there is one.
    pub fn number(&self) -> Option<&E164> {
        match self {
            Reading::Number(n) => Some(n),
            _ => None,
        }
    }
}

/// Which Intercom contacts go to Aircall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Roles {
    /// Users only.
    Users,
    /// Leads only.
    Leads,
    /// Users and leads.
    #[default]
    Both,
}

impl Roles {
    /// Reads `users`, `leads` or `both` (also `user`, `lead`, `all`, `users,leads`).
    pub fn parse(text: &str) -> Option<Self> {
        let mut users = false;
        let mut leads = false;
        for word in text.split([',', '+', ' ']).filter(|w| !w.is_empty()) {
            match word.trim().to_ascii_lowercase().as_str() {
                "users" | "user" => users = true,
                "leads" | "lead" => leads = true,
                "both" | "all" => (users, leads) = (true, true),
                _ => return None,
            }
        }
        match (users, leads) {
            (true, true) => Some(Roles::Both),
            (true, false) => Some(Roles::Users),
            (false, true) => Some(Roles::Leads),
            (false, false) => None,
        }
    }

    /// `users`, `leads` or `both`.
    pub fn as_str(self) -> &'static str {
        match self {
            Roles::Users => "users",
            Roles::Leads => "leads",
            Roles::Both => "both",
        }
    }

    /// Whether contacts of this role are synced.
    pub fn includes(self, role: Role) -> bool {
        matches!(
            (self, role),
            (Roles::Both, _) | (Roles::Users, Role::User) | (Roles::Leads, Role::Lead)
        )
    }
}

impl std::fmt::Display for Roles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The Aircall contact Ringside wants for one Intercom contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// First name: all but the last name, or the phone when the contact has no name.
    pub first_name: String,
    /// Last name, when the name has more than one word.
    pub last_name: Option<String>,
    /// The number, in E.164.
    pub phone: E164,
    /// The email, when it looks like an address.
    pub email: Option<String>,
    /// `Intercom: <profile link>`.
    pub information: String,
}

impl Target {
    /// The Aircall contact for `contact`, whose phone reads as `number`, in `workspace`.
    pub fn of(contact: &Contact, number: &E164, workspace: &str) -> Target {
        let (first_name, last_name) = match contact.name.as_deref().map(split_name) {
            Some((first, last)) if !first.is_empty() => (first, last),
            _ => (number.to_string(), None),
        };
        Target {
            first_name,
            last_name,
            phone: number.clone(),
            email: contact.email.as_deref().and_then(clean_email),
            information: information(workspace, &contact.id),
        }
    }

    /// A short, stable fingerprint of everything written to Aircall (FNV-1a, 64 bits, hex).
    /// Stored with the contact; equal hashes mean nothing to write.
    pub fn hash(&self) -> String {
        let mut h = Fnv::new();
        // Bump the version when the shape of what is written changes: every contact is
        // then rewritten once.
        h.field(Some("v1"));
        h.field(Some(&self.first_name));
        h.field(self.last_name.as_deref());
        h.field(Some(self.phone.as_str()));
        h.field(self.email.as_deref());
        h.field(Some(&self.information));
        format!("{:016x}", h.0)
    }
}

/// The `information` of the Aircall contact of an Intercom contact.
pub fn information(workspace: &str, contact_id: &str) -> String {
    format!("Intercom: {}", intercom::contact_url(workspace, contact_id))
}

/// Which parts of a written contact differ from its new target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Changes {
    /// First name, last name or information.
    pub info: bool,
    /// The number.
    pub phone: bool,
    /// The email.
    pub email: EmailChange,
}

/// What happens to the email of a written contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmailChange {
    /// Nothing.
    #[default]
    Keep,
    /// There was none; add one.
    Add,
    /// Replace it.
    Replace,
    /// Remove it.
    Remove,
}

impl Changes {
    /// What differs between `written` and `wanted`.
    pub fn between(written: &Target, wanted: &Target) -> Changes {
        Changes {
            info: written.first_name != wanted.first_name
                || written.last_name != wanted.last_name
                || written.information != wanted.information,
            phone: written.phone != wanted.phone,
            email: match (&written.email, &wanted.email) {
                (None, None) => EmailChange::Keep,
                (None, Some(_)) => EmailChange::Add,
                (Some(_), None) => EmailChange::Remove,
                (Some(a), Some(b)) if a == b => EmailChange::Keep,
                (Some(_), Some(_)) => EmailChange::Replace,
            },
        }
    }

    /// Whether nothing differs.
    pub fn is_empty(&self) -> bool {
        !self.info && !self.phone && self.email == EmailChange::Keep
    }

    /// How many Aircall requests applying these changes takes.
    pub fn requests(&self) -> u32 {
        u32::from(self.info) + u32::from(self.phone) + u32::from(self.email != EmailChange::Keep)
    }
}

/// Words that belong to the last name that follows them: "de la Fontaine", "van Dijk".
const PARTICLES: [&str; 17] = [
    "de", "del", "della", "der", "den", "di", "da", "das", "dos", "du", "la", "le", "van", "von",
    "bin", "ibn", "al",
];

/// Words that follow the last name they belong to: "Smith Jr.".
const SUFFIXES: [&str; 8] = ["jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd"];

/// Splits a full name into a first and a last name: the last word is the last name, together
/// with the particles before it ("Jean de la Fontaine" → "Jean", "de la Fontaine") and a
/// generational suffix after it ("John Smith Jr." → "John", "Smith Jr."). One word is a first
/// name alone. Spaces are collapsed and control characters dropped.
pub fn split_name(name: &str) -> (String, Option<String>) {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    if words.len() <= 1 {
        return (words.concat(), None);
    }
    let lower = |w: &str| w.to_lowercase();
    // The last name starts at the last word, or at the word before a trailing suffix.
    let mut start = words.len() - 1;
    if SUFFIXES.contains(&lower(words[start]).as_str()) && start >= 2 {
        start -= 1;
    }
    // Particles before it join it, but the first word always stays the first name.
    while start > 1 && PARTICLES.contains(&lower(words[start - 1]).as_str()) {
        start -= 1;
    }
    (words[..start].join(" "), Some(words[start..].join(" ")))
}

/// An email worth sending to Aircall: trimmed, one `@` with text on both sides and a dot in the
/// domain, no spaces.
fn clean_email(raw: &str) -> Option<String> {
    let email = raw.trim();
    let (local, domain) = email.split_once('@')?;
    let plausible = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    plausible.then(|| email.to_owned())
}

/// FNV-1a, 64 bits. Stable across Rust versions, unlike the standard library's hasher, so a
/// stored hash still means the same after an upgrade.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    /// Adds one field: whether it is there, its bytes, then a byte no UTF-8 text contains, so
    /// that no two different lists of fields feed the same bytes.
    fn field(&mut self, text: Option<&str>) {
        let present = [u8::from(text.is_some())];
        let bytes = text.unwrap_or_default().bytes();
        for byte in present.into_iter().chain(bytes).chain([0xff]) {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(name: Option<&str>, email: Option<&str>) -> Contact {
        Contact {
            id: "6762f0dd1bb69f9f2193bb83".into(),
            role: Role::Lead,
            name: name.map(str::to_owned),
            email: email.map(str::to_owned),
            phone: Some("07 62 04 35 75".into()),
            workspace_id: Some("ecahpwf5".into()),
            updated_at: 1,
        }
    }

    fn jane() -> E164 {
        E164::from_e164("+33762043575").unwrap()
    }

    #[test]
    fn names_split_into_first_and_last() {
        let cases = [
            ("Jane Roe", ("Jane", Some("Roe"))),
            ("  Jane   Mary\tRoe ", ("Jane Mary", Some("Roe"))),
            ("Madonna", ("Madonna", None)),
            ("Jean de la Fontaine", ("Jean", Some("de la Fontaine"))),
            ("Ludwig van Beethoven", ("Ludwig", Some("van Beethoven"))),
            ("John Smith Jr.", ("John", Some("Smith Jr."))),
            ("Van Morrison", ("Van", Some("Morrison"))),
            ("De Gaulle", ("De", Some("Gaulle"))),
            ("Léa Moreau\nHR", ("Léa Moreau", Some("HR"))),
            (
                "<img src=x onerror=alert(1)>",
                ("<img src=x", Some("onerror=alert(1)>")),
            ),
            ("   ", ("", None)),
        ];
        for (name, (first, last)) in cases {
            assert_eq!(
                split_name(name),
                (first.to_owned(), last.map(str::to_owned)),
                "{name:?}"
            );
        }
    }

    #[test]
    fn a_contact_becomes_the_aircall_contact_of_the_issue() {
        let t = Target::of(
            &contact(Some("Jane Roe"), Some(" jane@acme.io ")),
            &jane(),
            "ecahpwf5",
        );
        assert_eq!(
            t,
            Target {
                first_name: "Jane".into(),
                last_name: Some("Roe".into()),
                phone: jane(),
                email: Some("jane@acme.io".into()),
                information:
                    "Intercom: https://app.intercom.com/a/apps/ecahpwf5/users/6762f0dd1bb69f9f2193bb83"
                        .into(),
            }
        );
        // No name (or a blank one): the number is the first name. A broken email is left out.
        for name in [None, Some("  ")] {
            let t = Target::of(&contact(name, Some("not an email")), &jane(), "ecahpwf5");
            assert_eq!(
                (t.first_name.as_str(), t.last_name, t.email),
                ("+33762043575", None, None)
            );
        }
    }

    #[test]
    fn the_hash_changes_with_every_written_field_and_nothing_else() {
        let base = Target::of(
            &contact(Some("Jane Roe"), Some("jane@acme.io")),
            &jane(),
            "w",
        );
        assert_eq!(base.hash(), base.clone().hash());
        assert_eq!(base.hash().len(), 16);
        let variants = [
            Target {
                first_name: "Janet".into(),
                ..base.clone()
            },
            Target {
                last_name: None,
                ..base.clone()
            },
            Target {
                last_name: Some("\u{0}none".into()),
                ..base.clone()
            },
            Target {
                phone: E164::from_e164("+33762043576").unwrap(),
                ..base.clone()
            },
            Target {
                email: None,
                ..base.clone()
            },
            Target {
                information: "Intercom: x".into(),
                ..base.clone()
            },
            // Moving a word between fields is a change too.
            Target {
                first_name: "Jane Roe".into(),
                last_name: Some(String::new()),
                ..base.clone()
            },
        ];
        let mut seen = std::collections::HashSet::from([base.hash()]);
        for v in variants {
            assert!(seen.insert(v.hash()), "{v:?} hashes like another target");
        }
        // The role is not written to Aircall, so it does not count.
        let mut lead = contact(Some("Jane Roe"), Some("jane@acme.io"));
        lead.role = Role::User;
        assert_eq!(Target::of(&lead, &jane(), "w").hash(), base.hash());
    }

    #[test]
    fn changes_name_the_endpoints_to_call() {
        let base = Target::of(
            &contact(Some("Jane Roe"), Some("jane@acme.io")),
            &jane(),
            "w",
        );
        assert!(Changes::between(&base, &base).is_empty());
        let renamed = Target {
            last_name: Some("Doe".into()),
            ..base.clone()
        };
        let c = Changes::between(&base, &renamed);
        assert_eq!(
            (c.info, c.phone, c.email, c.requests()),
            (true, false, EmailChange::Keep, 1)
        );
        let moved = Target {
            phone: E164::from_e164("+14422497851").unwrap(),
            email: None,
            ..base.clone()
        };
        let c = Changes::between(&base, &moved);
        assert_eq!(
            (c.info, c.phone, c.email, c.requests()),
            (false, true, EmailChange::Remove, 2)
        );
        let no_email = Target {
            email: None,
            ..base.clone()
        };
        assert_eq!(Changes::between(&no_email, &base).email, EmailChange::Add);
        let other = Target {
            email: Some("j@roe.io".into()),
            ..base.clone()
        };
        assert_eq!(Changes::between(&base, &other).email, EmailChange::Replace);
    }

    #[test]
    fn roles_are_read_in_every_usual_spelling() {
        for (text, roles) in [
            ("users", Roles::Users),
            ("Lead", Roles::Leads),
            ("both", Roles::Both),
            ("users,leads", Roles::Both),
            ("all", Roles::Both),
        ] {
            assert_eq!(Roles::parse(text), Some(roles), "{text}");
        }
        assert_eq!(Roles::parse("admins"), None);
        assert_eq!(Roles::parse(""), None);
        assert!(Roles::Users.includes(Role::User) && !Roles::Users.includes(Role::Lead));
        assert!(Roles::Both.includes(Role::Lead));
    }
}
