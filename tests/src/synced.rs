//! Helpers for the contact sync tests: what Ringside wrote to the fake Aircall, by Intercom
//! contact, and the check that it is exactly what the generated contacts call for.

use std::collections::HashMap;

use ringside_core::intercom::contact_url;
use ringside_sandbox::aircall::Contact as AircallRecord;
use ringside_sandbox::generate::GeneratedContact;

use crate::demo::WORKSPACE;
use crate::TestApp;

/// Ringside's Aircall contacts by the Intercom id in their link.
pub fn by_intercom_id(app: &TestApp) -> HashMap<String, Vec<AircallRecord>> {
    let prefix = format!("Intercom: https://app.intercom.com/a/apps/{WORKSPACE}/users/");
    let mut out: HashMap<String, Vec<AircallRecord>> = HashMap::new();
    for c in app.sandbox.aircall().contacts() {
        if let Some(id) = c
            .information
            .as_deref()
            .and_then(|i| i.strip_prefix(&prefix))
        {
            out.entry(id.to_owned()).or_default().push(c);
        }
    }
    out
}

/// The one Aircall contact Ringside made for `id`.
pub fn aircall_of(app: &TestApp, id: &str) -> AircallRecord {
    let mut found = by_intercom_id(app).remove(id).unwrap_or_default();
    assert_eq!(found.len(), 1, "{id} has {} Aircall contacts", found.len());
    found.remove(0)
}

pub fn numbered(generated: &[(String, GeneratedContact)]) -> Vec<&(String, GeneratedContact)> {
    generated.iter().filter(|(_, g)| g.e164.is_some()).collect()
}

/// Checks that Aircall holds exactly one right contact for every generated contact with a
/// number, and nothing else of Ringside's.
pub fn assert_in_aircall(app: &TestApp, generated: &[(String, GeneratedContact)], others: &[u64]) {
    let in_aircall = by_intercom_id(app);
    let numbered = numbered(generated);
    for (id, g) in &numbered {
        let theirs: Vec<&AircallRecord> = in_aircall
            .get(id)
            .map(|v| v.iter().filter(|c| !others.contains(&c.id)).collect())
            .unwrap_or_default();
        assert_eq!(theirs.len(), 1, "{id}: {theirs:?}");
        let c = theirs[0];
        let number = g.e164.as_deref().unwrap_or_default();
        let phones: Vec<&str> = c.phone_numbers.iter().map(|p| p.value.as_str()).collect();
        assert_eq!(phones, [number], "{id}");
        let emails: Vec<&str> = c.emails.iter().map(|e| e.value.as_str()).collect();
        assert_eq!(
            emails,
            g.contact.email.as_deref().into_iter().collect::<Vec<_>>()
        );
        let names = (c.first_name.clone(), c.last_name.clone());
        let expected = match &g.name_parts {
            Some((first, last)) => (Some(first.clone()), last.clone()),
            None => (Some(number.to_owned()), None),
        };
        assert_eq!(names, expected, "{id} named {:?}", g.contact.name);
        assert_eq!(
            c.information.as_deref(),
            Some(format!("Intercom: {}", contact_url(WORKSPACE, id)).as_str())
        );
    }
    let ours = app
        .sandbox
        .aircall()
        .contacts()
        .iter()
        .filter(|c| !others.contains(&c.id))
        .count();
    assert_eq!(
        ours,
        numbered.len(),
        "Aircall holds more than one per contact"
    );
}
