//! Who a number is: nobody, one contact, or several. One reading of the contacts found with a
//! number, used by the card (its status and candidates), by the executor (whom to log to) and
//! by the history (a row's contact name), so that the three cannot disagree on the order, the
//! duplicates or the names.

use crate::intercom::{self, Contact};

use super::card::Candidate;

/// What the contacts with one number mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// No contact has the number.
    New,
    /// Exactly one contact has it.
    One(Contact),
    /// Several contacts share it, the most recently updated first: an agent picks one.
    Many(Vec<Contact>),
}

impl Resolution {
    /// Reads the contacts found with a number, from the index or a live search alike: each
    /// contact once, the most recently updated first (ties by id, so the order is stable).
    pub fn of(mut contacts: Vec<Contact>) -> Resolution {
        contacts.sort_by(|a, b| {
            b.updated_at
                .cmp(&a.updated_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        contacts.dedup_by(|a, b| a.id == b.id);
        match contacts.len() {
            0 => Resolution::New,
            1 => contacts
                .pop()
                .map(Resolution::One)
                .unwrap_or(Resolution::New),
            _ => Resolution::Many(contacts),
        }
    }

    /// The one contact, when exactly one has the number.
    pub fn one(&self) -> Option<&Contact> {
        match self {
            Resolution::One(contact) => Some(contact),
            _ => None,
        }
    }

    /// For a shared number, every contact that has it, as an agent picks among them; empty
    /// otherwise.
    pub fn candidates(&self, workspace: &str) -> Vec<Candidate> {
        match self {
            Resolution::Many(contacts) => contacts
                .iter()
                .map(|c| Candidate {
                    id: c.id.clone(),
                    name: display_name(c),
                    kind: c.role,
                    url: intercom::contact_url(workspace, &c.id),
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A contact's name as agents see it: the name, else the email, else the phone, else the id.
pub fn display_name(c: &Contact) -> String {
    c.name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| c.email.clone())
        .or_else(|| c.phone.clone())
        .unwrap_or_else(|| c.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intercom::Role;

    fn contact(id: &str, name: Option<&str>, updated_at: i64) -> Contact {
        Contact {
            id: id.to_owned(),
            role: Role::Lead,
            name: name.map(str::to_owned),
            email: None,
            phone: Some("+33762043575".to_owned()),
            workspace_id: None,
            updated_at,
        }
    }

    #[test]
    fn nobody_one_or_several_whatever_the_order_and_duplicates() {
        assert_eq!(Resolution::of(Vec::new()), Resolution::New);
        let jane = contact("a", Some("Jane"), 10);
        assert_eq!(
            Resolution::of(vec![jane.clone(), jane.clone()]),
            Resolution::One(jane.clone())
        );
        let older = contact("b", None, 5);
        let many = Resolution::of(vec![older.clone(), jane.clone(), older.clone()]);
        assert_eq!(many, Resolution::Many(vec![jane.clone(), older.clone()]));
        let names: Vec<String> = many.candidates("w").into_iter().map(|c| c.name).collect();
        // A contact without a name is shown by its phone.
        assert_eq!(names, ["Jane", "+33762043575"]);
        assert!(Resolution::One(jane).candidates("w").is_empty());
    }
}
