//! The configuration's tests: sources, precedence, the file's mistakes, masked secrets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

/// No system file in the tests, whatever the machine has in /etc.
const NO_SYSTEM_FILE: &str = "/nonexistent/ringside/hub.toml";

fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    Config::load_from(&Request::default(), &lookup, Path::new(NO_SYSTEM_FILE))
}

/// Writes `text` as a hub.toml with `mode`, in `dir`.
fn hub_toml(dir: &Path, text: &str, mode: u32) -> PathBuf {
    let path = dir.join("hub.toml");
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = mode;
    path
}

fn with_file(
    file: &Path,
    flags: Vec<(&'static str, String)>,
    pairs: &[(&str, &str)],
) -> Result<Config, ConfigError> {
    let request = Request {
        file: Some(file.to_path_buf()),
        flags,
    };
    Config::load_from(&request, &lookup(pairs), Path::new(NO_SYSTEM_FILE))
}

fn entry<'a>(config: &'a Config, key: &str) -> &'a ReportEntry {
    config.report().iter().find(|e| e.key == key).unwrap()
}

fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

#[test]
fn the_region_chooses_the_intercom_host_and_a_base_url_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let c = from_lookup(lookup(&[
        (env::DATA_DIR, d),
        (env::INTERCOM_TOKEN, "t"),
        (env::INTERCOM_REGION, "EU"),
    ]))
    .unwrap();
    assert_eq!(
        c.intercom.unwrap().base_url.as_str(),
        "https://api.eu.intercom.io/"
    );
    let c = from_lookup(lookup(&[
        (env::DATA_DIR, d),
        (env::INTERCOM_TOKEN, "t"),
        (env::INTERCOM_REGION, "au"),
        (env::INTERCOM_BASE_URL, "http://127.0.0.1:9"),
    ]))
    .unwrap();
    assert_eq!(c.intercom.unwrap().base_url.as_str(), "http://127.0.0.1:9/");
}

#[test]
fn a_vendor_address_in_plain_http_off_this_machine_is_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    for (key, token) in [
        (env::INTERCOM_BASE_URL, (env::INTERCOM_TOKEN, "t")),
        (env::AIRCALL_BASE_URL, (env::AIRCALL_API_TOKEN, "t")),
    ] {
        let err = from_lookup(lookup(&[
            (env::DATA_DIR, d),
            token,
            (env::AIRCALL_API_ID, "i"),
            (key, "http://intercom.example.com"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(err.contains(key) && err.contains("use https://"), "{err}");
    }
    for fine in [
        "https://intercom.example.com",
        "http://localhost:8080",
        "http://[::1]:9",
    ] {
        let c = from_lookup(lookup(&[
            (env::DATA_DIR, d),
            (env::INTERCOM_TOKEN, "t"),
            (env::INTERCOM_BASE_URL, fine),
        ]));
        assert!(c.is_ok(), "{fine}: {:?}", c.err());
    }
}

#[test]
fn half_configured_aircall_and_bad_values_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let err =
        from_lookup(lookup(&[(env::DATA_DIR, d), (env::AIRCALL_API_TOKEN, "x")])).unwrap_err();
    assert!(err.to_string().contains("API id"), "{err}");
    let err = from_lookup(lookup(&[(env::DATA_DIR, d), (env::DEFAULT_REGION, "XX")])).unwrap_err();
    assert!(err.to_string().contains("unknown region"), "{err}");
}

#[test]
fn contact_sync_settings_come_from_the_environment_or_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let c = from_lookup(lookup(&[(env::DATA_DIR, d)])).unwrap();
    assert_eq!(c.sync, SyncSettings::default());
    assert!(c.sync.enabled);
    std::fs::write(
        dir.path().join("ringside.json"),
        r#"{"sync_enabled": false, "sync_interval_minutes": 5}"#,
    )
    .unwrap();
    let c = from_lookup(lookup(&[
        (env::DATA_DIR, d),
        (env::SYNC_ROLES, "leads"),
        (env::SYNC_FULL_EVERY, "6"),
    ]))
    .unwrap();
    assert_eq!(
        c.sync,
        SyncSettings {
            enabled: false,
            roles: Roles::Leads,
            interval: Duration::from_secs(300),
            full_every: Duration::from_secs(6 * 3600),
        }
    );
    for (key, value, expected) in [
        (env::SYNC_ENABLED, "maybe", "true or false"),
        (env::SYNC_ROLES, "admins", "users, leads or both"),
        (env::SYNC_INTERVAL, "0", "from 1 to 1440"),
    ] {
        let err = from_lookup(lookup(&[(env::DATA_DIR, d), (key, value)])).unwrap_err();
        assert!(
            err.to_string().contains(key) && err.to_string().contains(expected),
            "{err}"
        );
    }
}

#[test]
fn every_numeric_setting_is_refused_outside_its_range_with_its_name_and_range() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let aircall = [
        (env::AIRCALL_API_ID, "id"),
        (env::AIRCALL_API_TOKEN, "t"),
        (env::INTERCOM_TOKEN, "t"),
    ];
    // (the setting, its range as the error words it, the largest value it accepts, the
    // smallest it refuses above that).
    let settings = [
        (
            env::AIRCALL_BUDGET,
            "requests a minute from 1 to 1000000, got",
            "1000000",
            "1000001",
        ),
        (
            env::SYNC_INTERVAL,
            "minutes from 1 to 1440, got",
            "1440",
            "1441",
        ),
        (
            env::SYNC_FULL_EVERY,
            "hours from 1 to 720, got",
            "720",
            "721",
        ),
        (
            env::INTERCOM_CONCURRENCY,
            "requests in flight from 1 to 64, got",
            "64",
            "65",
        ),
        (
            "RINGSIDE_TAG_WINDOW_MINUTES",
            "minutes from 0 to 10080, got",
            "10080",
            "10081",
        ),
    ];
    for (key, range, largest, too_large) in settings {
        let with = |value: &'static str| {
            let mut pairs = vec![(env::DATA_DIR, d), (key, value)];
            pairs.extend(aircall);
            from_lookup(lookup(&pairs))
        };
        assert!(with(largest).is_ok(), "{key}={largest} is refused");
        for value in [
            too_large,
            "99999999999999999999999",
            "9223372036854775807",
            "153722867280912930",
            "-1",
            "ten",
        ] {
            let err = with(value).expect_err(value).to_string();
            assert!(
                err.contains(key) && err.contains(range) && err.contains(value),
                "{key}={value}: {err}"
            );
        }
    }
    // In range, each takes effect in its unit.
    let c = from_lookup(lookup(&[
        (env::DATA_DIR, d),
        (env::AIRCALL_API_ID, "id"),
        (env::AIRCALL_API_TOKEN, "t"),
        (env::AIRCALL_BUDGET, "120"),
        ("RINGSIDE_TAG_WINDOW_MINUTES", "10080"),
    ]))
    .unwrap();
    assert_eq!(c.aircall.unwrap().budget_per_minute, 120);
    assert_eq!(c.settings.tag_window_secs, 7 * 24 * 3600);
}

#[test]
fn a_file_adds_settings_but_never_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    std::fs::write(
        dir.path().join("ringside.json"),
        r#"{"default_region": "GB"}"#,
    )
    .unwrap();
    let c = from_lookup(lookup(&[(env::DATA_DIR, d)])).unwrap();
    assert_eq!(c.default_region.code(), "GB");
    // The environment wins over the file.
    let c = from_lookup(lookup(&[(env::DATA_DIR, d), (env::DEFAULT_REGION, "DE")])).unwrap();
    assert_eq!(c.default_region.code(), "DE");

    std::fs::write(
        dir.path().join("ringside.json"),
        r#"{"intercom_token": "abc"}"#,
    )
    .unwrap();
    let err = from_lookup(lookup(&[(env::DATA_DIR, d)])).unwrap_err();
    assert!(
        err.to_string().contains("never read from a JSON file"),
        "{err}"
    );
    // Named on purpose, a JSON file is read the legacy way too, and refuses every secret.
    let named = dir.path().join("settings.json");
    for secret in [
        "webhook_token",
        "intercom_client_secret",
        "aircall_api_token",
    ] {
        std::fs::write(&named, format!(r#"{{"{secret}": "abc"}}"#)).unwrap();
        let err = from_lookup(lookup(&[
            (env::DATA_DIR, d),
            (env::CONFIG_FILE, named.to_str().unwrap()),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains(secret) && err.contains("never read from a JSON file"),
            "{err}"
        );
    }
    std::fs::write(
        &named,
        "{\n  \"default_region\": \"FR\",\n  \"retention_days\": 7\n}",
    )
    .unwrap();
    let c = from_lookup(lookup(&[
        (env::DATA_DIR, d),
        (env::CONFIG_FILE, named.to_str().unwrap()),
    ]))
    .unwrap();
    assert_eq!(c.default_region.code(), "FR");
    assert_eq!(c.hub.retention_days, 7);
    assert_eq!(
        entry(&c, "retention_days").source,
        Source::File {
            path: named.clone(),
            line: Some(3)
        }
    );
}

#[test]
fn hub_toml_holds_settings_and_secrets_and_says_where_each_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let file = hub_toml(
        dir.path(),
        r#"# The hub.
data_dir = "/var/lib/ringside-test"
intercom_token = "icm-secret-4242"
intercom_region = "eu"

webhook_token = "hook-secret-9999"
retention_days = 90
sync_enabled = false
admins = ["Boss@Example.COM", "ops@example.com"]
signin_allow = ["team:42", "Agent@Example.com"]
metrics_listen = "127.0.0.1:9790"
log_format = "json"
"#,
        0o640,
    );
    let c = with_file(&file, Vec::new(), &[]).unwrap();
    assert_eq!(c.file.as_deref(), Some(file.as_path()));
    assert_eq!(c.data_dir, PathBuf::from("/var/lib/ringside-test"));
    assert_eq!(
        c.intercom.as_ref().unwrap().token.expose(),
        "icm-secret-4242"
    );
    assert_eq!(
        c.hub.webhook_token.as_ref().map(Secret::expose),
        Some("hook-secret-9999")
    );
    assert_eq!(c.hub.retention_days, 90);
    assert!(!c.sync.enabled);
    assert_eq!(
        c.hub.metrics_listen,
        Some("127.0.0.1:9790".parse().unwrap())
    );
    assert_eq!(c.hub.log_format, LogFormat::Json);
    assert_eq!(c.signin.admins, ["boss@example.com", "ops@example.com"]);
    assert_eq!(c.signin.allow, ["team:42", "agent@example.com"]);
    assert_eq!(
        c.signin.intercom_app_url.as_str(),
        "https://app.eu.intercom.com/"
    );
    assert_eq!(
        entry(&c, "retention_days").source,
        Source::File {
            path: file.clone(),
            line: Some(7)
        }
    );
    assert_eq!(entry(&c, "listen").source, Source::Default);
    assert_eq!(entry(&c, "listen").value, "127.0.0.1:8790");
    assert_eq!(
        entry(&c, "admins").value,
        "[boss@example.com, ops@example.com]"
    );
}

#[test]
fn the_environment_overrides_the_file_and_flags_override_both() {
    let dir = tempfile::tempdir().unwrap();
    let file = hub_toml(
        dir.path(),
        "listen = \"127.0.0.1:1111\"\nretention_days = 10\ncard_lookups_per_minute = 5\n",
        0o600,
    );
    let c = with_file(
        &file,
        vec![("card_lookups_per_minute", "7".into())],
        &[(env::RETENTION_DAYS, "20"), (env::CARD_LOOKUPS, "6")],
    )
    .unwrap();
    assert_eq!(c.hub.listen, "127.0.0.1:1111".parse().unwrap());
    assert_eq!(c.hub.retention_days, 20);
    assert_eq!(c.hub.card_lookups_per_minute, 7);
    assert_eq!(
        entry(&c, "listen").source,
        Source::File {
            path: file.clone(),
            line: Some(1)
        }
    );
    assert_eq!(
        entry(&c, "retention_days").source,
        Source::Environment(env::RETENTION_DAYS)
    );
    assert_eq!(
        entry(&c, "card_lookups_per_minute").source,
        Source::Flag("--card-lookups-per-minute".into())
    );
    // A bad flag is named as the flag.
    let err = with_file(&file, vec![("retention_days", "0".into())], &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("--retention-days: ") && err.contains("from 1 to 3650"),
        "{err}"
    );
}

#[test]
fn secrets_are_masked_in_the_report_and_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let file = hub_toml(
        dir.path(),
        "intercom_token = \"icm-TOPSECRET-1\"\nintercom_client_secret = \"ics-TOPSECRET-2\"\n\
         aircall_api_id = \"id\"\naircall_api_token = \"ac-TOPSECRET-3\"\n",
        0o640,
    );
    let c = with_file(&file, Vec::new(), &[(env::WEBHOOK_TOKEN, "wh-TOPSECRET-4")]).unwrap();
    for key in [
        "intercom_token",
        "intercom_client_secret",
        "aircall_api_token",
        "webhook_token",
    ] {
        assert_eq!(entry(&c, key).value, MASKED, "{key}");
    }
    let everything = format!("{c:?} {:?}", c.report());
    assert!(!everything.contains("TOPSECRET"), "{everything}");
    assert_eq!(entry(&c, "aircall_api_id").value, "id");
}

#[test]
fn an_unknown_key_is_refused_with_its_line_and_the_nearest_known_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = hub_toml(
        dir.path(),
        "# comment\nlisten = \"127.0.0.1:8790\"\n\nretension_days = 30\n",
        0o640,
    );
    let err = with_file(&file, Vec::new(), &[]).unwrap_err().to_string();
    assert!(
        err.contains("line 4")
            && err.contains("unknown setting `retension_days`")
            && err.contains("did you mean `retention_days`?"),
        "{err}"
    );
}

#[test]
fn out_of_range_values_and_wrong_types_are_refused_with_the_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for (text, words) in [
        (
            "\nsync_interval_minutes = 0\n",
            "`sync_interval_minutes` on line 2 of",
        ),
        ("retention_days = 99999\n", "`retention_days` on line 1 of"),
        (
            "retention_days = \"30\"\n",
            "expected a whole number (no quotes), not string",
        ),
        ("sync_enabled = \"yes\"\n", "`sync_enabled` on line 1"),
        ("log_format = \"xml\"\n", "expected text or json, got `xml`"),
        ("listen = \"everywhere\"\n", "`listen` on line 1"),
        ("admins = \"a@example.com\"\n", "expected a list of strings"),
        ("admins = [\"not an email\"]\n", "is not an email address"),
        ("signin_allow = [\"team:\"]\n", "team:<the team's id>"),
        ("public_url = \"http://hub.example.com\"\n", "use https://"),
        ("tls_cert = \"/c.pem\"\n", "is set but not tls_key"),
        ("retention_days = [\n", "line 1: not valid TOML"),
    ] {
        let file = hub_toml(dir.path(), text, 0o640);
        let err = with_file(&file, Vec::new(), &[]).unwrap_err().to_string();
        assert!(err.contains(words), "{text}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn a_hub_toml_others_can_read_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for mode in [0o644, 0o604, 0o601] {
        let file = hub_toml(dir.path(), "retention_days = 30\n", mode);
        let err = with_file(&file, Vec::new(), &[]).unwrap_err().to_string();
        assert!(
            err.contains("chmod 640") && err.contains("chown root:ringside"),
            "{mode:o}: {err}"
        );
    }
    for mode in [0o640, 0o600, 0o660] {
        let file = hub_toml(dir.path(), "retention_days = 30\n", mode);
        assert!(with_file(&file, Vec::new(), &[]).is_ok(), "{mode:o}");
    }
}

#[test]
fn the_system_file_is_read_when_it_exists_else_the_legacy_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join("ringside.json"), r#"{"default_region": "GB"}"#).unwrap();
    let system = hub_toml(dir.path(), "default_region = \"FR\"\n", 0o640);
    let env = lookup(&[(env::DATA_DIR, d.to_str().unwrap())]);
    let c = Config::load_from(&Request::default(), &env, &system).unwrap();
    assert_eq!(c.default_region.code(), "FR");
    assert_eq!(c.file.as_deref(), Some(system.as_path()));
    let c = Config::load_from(&Request::default(), &env, &dir.path().join("absent.toml")).unwrap();
    assert_eq!(c.default_region.code(), "GB");
    assert_eq!(c.file, Some(d.join("ringside.json")));
    // RINGSIDE_CONFIG names the file when --config does not.
    let named = dir.path().join("named.toml");
    std::fs::copy(&system, &named).unwrap();
    let c = Config::load_from(
        &Request::default(),
        &lookup(&[(env::CONFIG_FILE, named.to_str().unwrap())]),
        Path::new(NO_SYSTEM_FILE),
    )
    .unwrap();
    assert_eq!(c.file, Some(named));
    // A file named on purpose must exist.
    let err = with_file(&dir.path().join("missing.toml"), Vec::new(), &[]).unwrap_err();
    assert!(err.to_string().contains("missing.toml"), "{err}");
}

#[test]
fn the_sign_in_settings_default_by_region_and_read_lists_from_the_environment() {
    let c = from_lookup(lookup(&[
        (env::DATA_DIR, "/tmp/ringside-unused"),
        (env::INTERCOM_REGION, "au"),
        (env::ADMINS, " Root@Example.com , ,b@example.com"),
        (env::SIGNIN_ALLOW, "team:7"),
        (env::PUBLIC_URL, "https://hub.example.com"),
        (env::INTERCOM_CLIENT_ID, "client-1"),
    ]))
    .unwrap();
    assert_eq!(
        c.signin.intercom_app_url.as_str(),
        "https://app.au.intercom.com/"
    );
    assert_eq!(c.signin.admins, ["root@example.com", "b@example.com"]);
    assert_eq!(c.signin.allow, ["team:7"]);
    assert_eq!(
        c.signin.public_url.as_ref().map(Url::as_str),
        Some("https://hub.example.com/")
    );
    assert_eq!(c.signin.intercom_client_id.as_deref(), Some("client-1"));
    let c = from_lookup(lookup(&[
        (env::DATA_DIR, "/tmp/ringside-unused"),
        (env::INTERCOM_APP_URL, "http://127.0.0.1:7070"),
    ]))
    .unwrap();
    assert_eq!(c.signin.intercom_app_url.as_str(), "http://127.0.0.1:7070/");
    assert!(c.signin.allow.is_empty() && c.signin.public_url.is_none());
}

#[test]
fn the_log_settings_are_read_early_and_a_broken_file_does_not_stop_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = hub_toml(dir.path(), "log = \"info\"\nlog_format = \"json\"\n", 0o640);
    let request = Request {
        file: Some(file.clone()),
        flags: Vec::new(),
    };
    let early = Config::log_settings(&request, lookup(&[]));
    assert_eq!(
        early,
        LogSettings {
            filter: "info".into(),
            format: LogFormat::Json
        }
    );
    let early = Config::log_settings(&request, lookup(&[(env::LOG, "debug")]));
    assert_eq!(early.filter, "debug");
    hub_toml(dir.path(), "nonsense = 1\n", 0o640);
    let early = Config::log_settings(&request, lookup(&[(env::LOG_FORMAT, "json")]));
    assert_eq!(
        early,
        LogSettings {
            filter: "warn".into(),
            format: LogFormat::Json
        }
    );
}

#[test]
fn the_console_may_change_what_is_logged_only_and_within_each_settings_range() {
    assert_eq!(
        console_value("log_missed_calls", " Off ").as_deref(),
        Ok("false")
    );
    assert_eq!(
        console_value("new_contact_role", "USER").as_deref(),
        Ok("user")
    );
    assert_eq!(
        console_value("tag_window_minutes", "30").as_deref(),
        Ok("30")
    );
    let refused = console_value("tag_window_minutes", "99999").unwrap_err();
    assert!(refused.contains("from 0 to 10080"), "{refused}");
    let refused = console_value("message_fallback", "someone").unwrap_err();
    assert!(
        refused.contains("unassigned or integration_admin"),
        "{refused}"
    );
    assert!(console_value("intercom_token", "x")
        .unwrap_err()
        .contains("hub.toml"));
    assert!(console_value("nothing", "x").is_err());
    let source = Source::Console {
        by: "boss@acme.io".into(),
        at: 1_800_000_000,
    };
    assert_eq!(
        source.to_string(),
        "console, by boss@acme.io at 2027-01-15 08:00 UTC"
    );
}
