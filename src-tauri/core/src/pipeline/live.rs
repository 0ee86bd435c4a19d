//! The integration settings as the running hub obeys them: one value shared by the processor,
//! the executor, the card path and the engine, swapped whole when an admin changes a setting in
//! the console. Each reads a snapshot where it uses the settings, so a change applies to the
//! next webhook processed, the next effect run and the next card, without a restart, and no
//! reader ever sees half a change.

use std::sync::Arc;

use tokio::sync::watch;

use crate::rules::Settings;

/// The shared, swappable settings. Cheap to clone: every clone sees every change.
#[derive(Clone)]
pub struct LiveSettings {
    current: Arc<watch::Sender<Arc<Settings>>>,
}

impl LiveSettings {
    /// Settings that start as `settings`.
    pub fn new(settings: Settings) -> Self {
        LiveSettings {
            current: Arc::new(watch::Sender::new(Arc::new(settings))),
        }
    }

    /// The settings now: a snapshot, unchanged by later swaps.
    pub fn snapshot(&self) -> Arc<Settings> {
        self.current.borrow().clone()
    }

    /// Replaces the settings for every reader at once.
    pub fn replace(&self, settings: Settings) {
        self.current.send_replace(Arc::new(settings));
    }

    /// A receiver told of every swap (what a task that must react to a change waits on).
    pub fn subscribe(&self) -> watch::Receiver<Arc<Settings>> {
        self.current.subscribe()
    }
}

impl From<Settings> for LiveSettings {
    fn from(settings: Settings) -> Self {
        LiveSettings::new(settings)
    }
}

impl std::fmt::Debug for LiveSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.snapshot().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_clone_sees_a_swap_and_a_snapshot_does_not_change() {
        let live = LiveSettings::new(Settings::default());
        let reader = live.clone();
        let before = reader.snapshot();
        live.replace(Settings {
            log_missed_calls: false,
            ..Settings::default()
        });
        assert!(before.log_missed_calls);
        assert!(!reader.snapshot().log_missed_calls);
    }
}
