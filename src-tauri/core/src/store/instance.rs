//! The hub's instance id: a random opaque id made when the database is first used and kept in
//! it. A desktop app that sees another id at the same address knows it talks to another hub (a
//! reinstall, a restored backup) and that event ids it remembers mean nothing there.

use super::{Store, StoreError};
use crate::store::CachedSql;

/// Where the id is kept in `meta`.
pub(super) const INSTANCE_KEY: &str = "hub_instance_id";

impl Store {
    /// This database's instance id, made on first use: 32 hex digits.
    pub fn instance_id(&self) -> Result<String, StoreError> {
        if let Some(id) = self.meta(INSTANCE_KEY)? {
            return Ok(id);
        }
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)
            .map_err(|e| StoreError::Corrupt(format!("no randomness available: {e}")))?;
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        // Another handle may have made one meanwhile: the first one written stays.
        self.conn().exec(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO NOTHING",
            [INSTANCE_KEY, &id],
        )?;
        Ok(self.meta(INSTANCE_KEY)?.unwrap_or(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_instance_id_is_made_once_and_kept_with_the_data() {
        let dir = tempfile::tempdir().unwrap();
        let first = Store::open(dir.path()).unwrap().instance_id().unwrap();
        assert_eq!(first.len(), 32);
        let again = Store::open(dir.path()).unwrap().instance_id().unwrap();
        assert_eq!(first, again);
        let other = Store::open_in_memory().unwrap().instance_id().unwrap();
        assert_ne!(first, other);
    }
}
