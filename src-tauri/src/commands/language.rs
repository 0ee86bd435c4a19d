//! The windows' language: the catalog they format their words with, in the language the
//! Settings choose (or the system's).

use crate::error::Result;
use crate::i18n::{self, Catalog, SystemLocale};

/// The app's language now, the locale for dates and numbers, and that language's catalog.
#[tauri::command]
pub async fn catalog() -> Result<Catalog> {
    Ok(Catalog::of(i18n::current(), &SystemLocale::current()))
}
