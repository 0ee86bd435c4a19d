//! The settings an admin changes in the console: checked as the configuration's values are,
//! stored with the data (with the audit's line, in one transaction), and obeyed at once by
//! swapping the engine's live settings. Taking a change back gives the key to the configuration
//! again. At start, the stored changes are laid over the configuration's values.

use crate::config;
use crate::rules::Settings;
use crate::store::console::overrides::Override;
use crate::store::StoreError;

use super::Engine;

/// Why a setting was not changed.
#[derive(Debug, thiserror::Error)]
pub enum SettingError {
    /// The setting cannot be changed here, or the value is not one it takes: in words.
    #[error("{key}: {reason}")]
    Refused {
        /// The setting's key.
        key: String,
        /// Why, and what it takes.
        reason: String,
    },
    /// The local database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The configuration's settings with the console's changes laid over them. A stored change the
/// engine no longer takes (a setting renamed, a range narrowed) is skipped, with a warning.
pub(super) fn laid_over(configured: &Settings, changes: &[Override]) -> Settings {
    let mut settings = configured.clone();
    for change in changes {
        if let Err(why) = settings.set(&change.key, &change.value) {
            tracing::warn!(key = %change.key, why = %why, "a setting changed in the console no longer applies; the configuration's value stays");
        }
    }
    settings
}

impl Engine {
    /// The settings changed in the console, by key.
    pub async fn overrides(&self) -> Result<Vec<Override>, StoreError> {
        self.store.run(|s| s.overrides()).await
    }

    /// Checks the values an admin gives settings in the console, all of them first: each
    /// must be a setting the console may change, with a value of its kind and range
    /// ([`config::console_value`]). Answers each key with its value as `hub.toml` spells it,
    /// or the first refusal; nothing is changed either way.
    pub fn check_settings(
        &self,
        changes: &[(String, String)],
    ) -> Result<Vec<(String, String)>, SettingError> {
        changes
            .iter()
            .map(|(key, text)| {
                let value = config::console_value(key, text)
                    .and_then(|value| {
                        Settings::default().set(key, &value)?;
                        Ok(value)
                    })
                    .map_err(|reason| SettingError::Refused {
                        key: key.clone(),
                        reason,
                    })?;
                Ok((key.clone(), value))
            })
            .collect()
    }

    /// Changes settings for the whole hub, as the admin `by` asked in the console: every value
    /// is checked before any is stored (one refused changes nothing), each stored with its
    /// audit line, then the engine obeys them at once. A value the hub already obeys is left
    /// alone. Answers the keys changed.
    pub async fn change_settings(
        &self,
        by: &str,
        changes: &[(String, String)],
    ) -> Result<Vec<String>, SettingError> {
        let checked = self.check_settings(changes)?;
        let _one_at_a_time = self.changing.lock().await;
        let now = self.now();
        let obeyed = self.settings.snapshot();
        let wanted: Vec<Override> = checked
            .into_iter()
            .filter(|(key, value)| obeyed.value_of(key).as_ref() != Some(value))
            .map(|(key, value)| Override {
                key,
                value,
                set_by: by.to_owned(),
                set_at: now,
            })
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let details: Vec<String> = wanted
            .iter()
            .map(|o| {
                let before = obeyed.value_of(&o.key).unwrap_or_default();
                format!("set to {} (was {before})", o.value)
            })
            .collect();
        let keys = wanted.iter().map(|o| o.key.clone()).collect();
        let stored = self
            .store
            .run(move |s| {
                for (change, detail) in wanted.iter().zip(&details) {
                    s.put_override(change, detail)?;
                }
                s.overrides()
            })
            .await?;
        self.update_settings(laid_over(&self.configured, &stored));
        Ok(keys)
    }

    /// Takes back the console's change of `key`: the configuration's value applies again, at
    /// once. Answers whether there was a change to take back.
    pub async fn reset_setting(&self, by: &str, key: &str) -> Result<bool, SettingError> {
        let _one_at_a_time = self.changing.lock().await;
        let configured = self
            .configured
            .value_of(key)
            .ok_or_else(|| SettingError::Refused {
                key: key.to_owned(),
                reason: "not a setting the console changes".to_owned(),
            })?;
        let detail = format!("back to the configuration's {configured}");
        let (key, by, now) = (key.to_owned(), by.to_owned(), self.now());
        let (deleted, stored) = self
            .store
            .run(move |s| {
                let deleted = s.delete_override(&key, &by, now, &detail)?;
                Ok((deleted, s.overrides()?))
            })
            .await?;
        self.update_settings(laid_over(&self.configured, &stored));
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_consoles_changes_lie_over_the_configuration_and_a_stale_one_is_skipped() {
        let configured = Settings {
            log_messages: false,
            ..Settings::default()
        };
        let change = |key: &str, value: &str| Override {
            key: key.into(),
            value: value.into(),
            set_by: "boss@acme.io".into(),
            set_at: 1,
        };
        let laid = laid_over(
            &configured,
            &[
                change("log_missed_calls", "false"),
                change("tag_window_minutes", "not a number"),
                change("a_setting_since_removed", "true"),
            ],
        );
        assert!(!laid.log_missed_calls);
        assert!(!laid.log_messages);
        assert_eq!(laid.tag_window_secs, configured.tag_window_secs);
    }
}
