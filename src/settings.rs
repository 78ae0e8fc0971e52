//! Settings: the schema, its defaults, validation, migration and the team-policy overlay.
//!
//! Settings arrive as JSON from `storage.sync`, from an imported file, from the options
//! page as the user types, or from an administrator's policy. They go through one door,
//! [`ValidSettings::from_json`] (or [`ValidSettings::from_value`]): migrate to the current
//! version, read each field, validate, compile templates and rules. The result is either
//! settings that cannot fail at download time, or **every** problem with its field path
//! (`template`, `rules[2].fileName`) — never a half-applied mix.

use crate::document::{self, Map, Value};
use crate::field_error::{FieldError, FieldPath};
use crate::host_mapped;
use crate::rules::{Rule, RuleSpec};
use crate::sanitize::{self, MAX_DEPTH};
use crate::template::{Template, DEFAULT_TEMPLATE};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The fallback folder: the ticket number is kept when it is known (a folder whose
/// placeholder has no value is left out, see [`crate::template`]), so a file whose ticket
/// details could not be loaded still lands per ticket: `_unsorted/4713/support_bundle.zip`.
pub const DEFAULT_FALLBACK: &str = "_unsorted/{ticket_id}/{filename}";

/// The default fallback of settings version 2, which threw the ticket number away.
const V2_DEFAULT_FALLBACK: &str = "_unsorted/{filename}";

/// The settings version this build writes.
pub const CURRENT_VERSION: u32 = 3;

/// What the browser does when the routed file name already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConflictAction {
    /// `file (1).log` — never loses either file.
    #[default]
    Uniquify,
    /// Replace the existing file.
    Overwrite,
    /// Ask the user.
    Prompt,
}

/// The file that leads from a ticket folder back to its ticket ("download all").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sidecar {
    /// No such file.
    None,
    /// `ticket.html`, a page that opens the ticket. (An internet shortcut, `ticket.url`,
    /// would be refused: `.url` is a shell-integrated extension both browsers rename.)
    #[default]
    Html,
    /// `TICKET.md` with id, subject, organization and link.
    Markdown,
}

/// Which completed downloads the local helper unpacks (see [`crate::archive`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnpackArchives {
    /// None.
    #[default]
    Off,
    /// Every routed archive.
    All,
    /// The routed archives whose rule says `"unpack": true`.
    Rules,
}

/// The settings as stored (JSON, camelCase).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Schema version, see [`migrate`].
    pub version: u32,
    /// Route downloads at all.
    pub enabled: bool,
    /// Folder below Downloads that everything goes into (`""` for Downloads itself).
    pub base_folder: String,
    /// Where a routed attachment goes, below the base folder.
    pub template: String,
    /// Where an attachment goes when its ticket cannot be known, below the base folder.
    pub fallback_template: String,
    /// The `{org}` value for tickets without an organization.
    pub no_org_folder: String,
    /// What to do when the file exists.
    pub conflict_action: ConflictAction,
    /// Host-mapped Zendesk domains (`support.example.com`).
    pub host_mapped_domains: Vec<String>,
    /// How long a download may wait for ticket information before it falls back.
    pub watchdog_ms: u32,
    /// Ordered rules; the first match wins.
    pub rules: Vec<RuleSpec>,
    /// Folder names for organizations (`"ACME Corporation (EMEA)": "acme"`).
    pub aliases: BTreeMap<String, String>,
    /// Show a notification when a download falls back.
    pub notify_on_fallback: bool,
    /// "Download all" skips images pasted inline into comments.
    pub skip_inline_images: bool,
    /// "Download all" runs at most this many downloads at once.
    pub bulk_concurrency: u32,
    /// "Download all" writes this file into the ticket folder.
    pub sidecar: Sidecar,
    /// Delete routed files this many days after download (`None`: never).
    pub retention_after_download_days: Option<u32>,
    /// Delete routed files this many days after their ticket was solved (`None`: never).
    pub retention_after_solved_days: Option<u32>,
    /// Run the clean-up daily (otherwise only on demand).
    pub retention_daily: bool,
    /// Delete routed attachments Zendesk redacted or deleted since (see [`crate::redaction`]).
    pub delete_redacted: bool,
    /// Copy the settings to the browser account's sync storage (off: they stay on this
    /// computer only). See [`for_sync`].
    pub sync_settings: bool,
    /// With [`Settings::sync_settings`], also sync what names customers: organization
    /// aliases and rules with an organization condition.
    pub sync_customer_names: bool,
    /// Routed archives the local helper unpacks into a folder beside them.
    pub unpack_archives: UnpackArchives,
    /// Where the local helper moves routed files once complete (`""`: they stay below
    /// Downloads); an absolute path without `..`.
    pub destination_root: String,
    /// Retention also deletes unpacked folders and emptied ticket and organization
    /// folders, through the local helper.
    pub helper_cleanup: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            version: CURRENT_VERSION,
            enabled: true,
            base_folder: "zendesk".into(),
            template: DEFAULT_TEMPLATE.into(),
            fallback_template: DEFAULT_FALLBACK.into(),
            no_org_folder: "_no-organization".into(),
            conflict_action: ConflictAction::Uniquify,
            host_mapped_domains: Vec::new(),
            watchdog_ms: 2_000,
            rules: Vec::new(),
            aliases: BTreeMap::new(),
            notify_on_fallback: true,
            skip_inline_images: true,
            bulk_concurrency: 3,
            sidecar: Sidecar::Html,
            retention_after_download_days: None,
            retention_after_solved_days: None,
            retention_daily: false,
            delete_redacted: true,
            sync_settings: false,
            sync_customer_names: false,
            unpack_archives: UnpackArchives::Off,
            destination_root: String::new(),
            helper_cleanup: false,
        }
    }
}

/// Shortest and longest watchdog: long enough for one API round trip, short enough that
/// the browser's own timeout never fires first.
pub const WATCHDOG_RANGE_MS: (u32, u32) = (200, 10_000);

/// All problems found in a settings document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SettingsErrors(pub Vec<FieldError>);

impl fmt::Display for SettingsErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid settings: ")?;
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            e.fmt(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for SettingsErrors {}

/// Settings that passed validation, with templates and rules compiled.
#[derive(Debug, Clone)]
pub struct ValidSettings {
    settings: Settings,
    template: Template,
    fallback: Template,
    rules: Vec<Rule>,
}

impl ValidSettings {
    /// Parses, migrates and validates a JSON text (the CLI).
    pub fn from_json(json: &str) -> Result<ValidSettings, SettingsErrors> {
        let value: Value = serde_json::from_str(json).map_err(|e| {
            SettingsErrors(vec![FieldError::document(format!("not valid JSON: {e}"))])
        })?;
        ValidSettings::from_value(value)
    }

    /// Migrates and validates a JSON value. Missing fields take their defaults.
    pub fn from_value(value: impl Into<Value>) -> Result<ValidSettings, SettingsErrors> {
        let value = migrate(value.into()).map_err(|e| SettingsErrors(vec![e]))?;
        let (settings, mut errors) = read_fields(value);
        match compile(settings) {
            Ok(valid) if errors.is_empty() => Ok(valid),
            Ok(_) => Err(SettingsErrors(errors)),
            Err(mut more) => {
                errors.append(&mut more);
                Err(SettingsErrors(errors))
            }
        }
    }

    /// The defaults, which are valid by construction (a unit test proves it).
    pub fn defaults() -> ValidSettings {
        compile(Settings::default())
            .unwrap_or_else(|e| unreachable!("default settings invalid: {e:?}"))
    }

    /// The settings as stored.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The folders of the base folder, outermost first.
    pub fn base_dirs(&self) -> impl Iterator<Item = &str> {
        self.settings
            .base_folder
            .split('/')
            .filter(|d| !d.is_empty())
    }

    /// The main template (relative to the base folder).
    pub fn template(&self) -> &Template {
        &self.template
    }

    /// The fallback template (relative to the base folder).
    pub fn fallback(&self) -> &Template {
        &self.fallback
    }

    /// The retention policy.
    pub fn retention(&self) -> crate::retention::Policy {
        crate::retention::Policy {
            after_download_days: self.settings.retention_after_download_days,
            after_solved_days: self.settings.retention_after_solved_days,
            delete_redacted: self.settings.delete_redacted,
        }
    }

    /// The compiled rules, in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rules (0-based) without a condition: saved, shown as incomplete, never applied.
    pub fn incomplete_rules(&self) -> Vec<usize> {
        (0..self.rules.len())
            .filter(|&i| !self.rules[i].is_complete())
            .collect()
    }
}

fn read_fields(value: Value) -> (Settings, Vec<FieldError>) {
    let mut s = Settings::default();
    let mut errors = Vec::new();
    let Value::Object(map) = value else {
        errors.push(FieldError::document("settings must be a JSON object"));
        return (s, errors);
    };
    for (key, v) in map {
        let e = &mut errors;
        match key.as_str() {
            "version" => read(&mut s.version, &key, v, e),
            "enabled" => read(&mut s.enabled, &key, v, e),
            "baseFolder" => read(&mut s.base_folder, &key, v, e),
            "template" => read(&mut s.template, &key, v, e),
            "fallbackTemplate" => read(&mut s.fallback_template, &key, v, e),
            "noOrgFolder" => read(&mut s.no_org_folder, &key, v, e),
            "conflictAction" => read(&mut s.conflict_action, &key, v, e),
            "hostMappedDomains" => read(&mut s.host_mapped_domains, &key, v, e),
            "watchdogMs" => read(&mut s.watchdog_ms, &key, v, e),
            "aliases" => read(&mut s.aliases, &key, v, e),
            "notifyOnFallback" => read(&mut s.notify_on_fallback, &key, v, e),
            "skipInlineImages" => read(&mut s.skip_inline_images, &key, v, e),
            "bulkConcurrency" => read(&mut s.bulk_concurrency, &key, v, e),
            "sidecar" => read(&mut s.sidecar, &key, v, e),
            "retentionAfterDownloadDays" => read(&mut s.retention_after_download_days, &key, v, e),
            "retentionAfterSolvedDays" => read(&mut s.retention_after_solved_days, &key, v, e),
            "retentionDaily" => read(&mut s.retention_daily, &key, v, e),
            "deleteRedacted" => read(&mut s.delete_redacted, &key, v, e),
            "syncSettings" => read(&mut s.sync_settings, &key, v, e),
            "syncCustomerNames" => read(&mut s.sync_customer_names, &key, v, e),
            "unpackArchives" => read(&mut s.unpack_archives, &key, v, e),
            "destinationRoot" => read(&mut s.destination_root, &key, v, e),
            "helperCleanup" => read(&mut s.helper_cleanup, &key, v, e),
            "rules" => match v {
                Value::Array(items) => {
                    s.rules = items
                        .into_iter()
                        .enumerate()
                        .filter_map(|(i, item)| {
                            document::from_value(item)
                                .map_err(|err| {
                                    e.push(FieldError::new(
                                        FieldPath::from("rules").index(i),
                                        err.to_string(),
                                    ))
                                })
                                .ok()
                        })
                        .collect();
                }
                _ => e.push(FieldError::new("rules", "must be a list of rules")),
            },
            _ => e.push(FieldError::new(key.as_str(), "unknown setting")),
        }
    }
    (s, errors)
}

fn read<T: DeserializeOwned>(slot: &mut T, key: &str, v: Value, errors: &mut Vec<FieldError>) {
    match document::from_value(v) {
        Ok(x) => *slot = x,
        Err(e) => errors.push(FieldError::new(key, e.to_string())),
    }
}

fn compile(mut s: Settings) -> Result<ValidSettings, Vec<FieldError>> {
    let mut errors = Vec::new();
    s.base_folder = s.base_folder.trim().trim_matches('/').to_owned();
    check_folder_path(&s.base_folder, &"baseFolder".into(), &mut errors);
    let base_depth = s.base_folder.split('/').filter(|d| !d.is_empty()).count();
    let parse = |field: &str, source: &str, errors: &mut Vec<FieldError>| {
        let t = Template::parse(source)
            .map_err(|e| errors.push(FieldError::new(field, e.to_string())))
            .ok()?;
        if base_depth + t.depth() > MAX_DEPTH {
            errors.push(FieldError::new(
                field,
                format!("with the base folder, more than {MAX_DEPTH} folders deep"),
            ));
        }
        Some(t)
    };
    let template = parse("template", &s.template, &mut errors);
    let fallback = parse("fallbackTemplate", &s.fallback_template, &mut errors);
    if s.no_org_folder.trim().is_empty() {
        errors.push(FieldError::new("noOrgFolder", "must not be empty"));
    } else {
        check_folder_name(&s.no_org_folder, &"noOrgFolder".into(), &mut errors);
    }
    let (lo, hi) = WATCHDOG_RANGE_MS;
    if !(lo..=hi).contains(&s.watchdog_ms) {
        errors.push(FieldError::new(
            "watchdogMs",
            format!("must be between {lo} and {hi} milliseconds"),
        ));
    }
    if !(1..=10).contains(&s.bulk_concurrency) {
        errors.push(FieldError::new(
            "bulkConcurrency",
            "must be between 1 and 10",
        ));
    }
    for (field, days) in [
        (
            "retentionAfterDownloadDays",
            s.retention_after_download_days,
        ),
        ("retentionAfterSolvedDays", s.retention_after_solved_days),
    ] {
        if days.is_some_and(|d| !(1..=3650).contains(&d)) {
            errors.push(FieldError::new(
                field,
                "must be between 1 and 3650 days, or null for never",
            ));
        }
    }
    if s.retention_daily
        && s.retention_after_download_days.is_none()
        && s.retention_after_solved_days.is_none()
        && !s.delete_redacted
    {
        errors.push(FieldError::new(
            "retentionDaily",
            "a daily clean-up needs a retention period or deleteRedacted",
        ));
    }
    for (i, domain) in s.host_mapped_domains.iter_mut().enumerate() {
        *domain = host_mapped::normalise(domain);
        if let Some(problem) = host_mapped::problem(domain) {
            errors.push(FieldError::new(
                FieldPath::from("hostMappedDomains").index(i),
                problem,
            ));
        }
    }
    s.destination_root = s.destination_root.trim().to_owned();
    if let Some(problem) = check_destination_root(&s.destination_root) {
        errors.push(FieldError::new("destinationRoot", problem));
    }
    for (org, folder) in &s.aliases {
        let field = FieldPath::from("aliases").key(org.as_str());
        if org.trim().is_empty() {
            errors.push(FieldError::new(field, "the organization name is empty"));
        } else if folder.trim().is_empty() {
            errors.push(FieldError::new(field, "the folder is empty"));
        } else {
            check_folder_name(folder, &field, &mut errors);
        }
    }
    let rules: Vec<Rule> = s
        .rules
        .iter()
        .enumerate()
        .filter_map(|(i, spec)| {
            Rule::compile(spec, i)
                .map_err(|mut e| errors.append(&mut e))
                .ok()
        })
        .collect();
    match (template, fallback) {
        (Some(template), Some(fallback)) if errors.is_empty() => Ok(ValidSettings {
            settings: s,
            template,
            fallback,
            rules,
        }),
        _ => Err(errors),
    }
}

fn check_folder_name(name: &str, field: &FieldPath, errors: &mut Vec<FieldError>) {
    let safe = sanitize::component(name, false);
    if safe != name {
        errors.push(FieldError::new(
            field.clone(),
            format!("'{name}' is not a portable folder name (it would have to become '{safe}')"),
        ));
    }
}

fn check_folder_path(path: &str, field: &FieldPath, errors: &mut Vec<FieldError>) {
    if path.contains('\\') || path.contains('{') || path.contains('}') {
        errors.push(FieldError::new(
            field.clone(),
            "use a plain folder path with '/' separators, no placeholders",
        ));
        return;
    }
    if !path.is_empty() {
        for part in path.split('/') {
            check_folder_name(part, field, errors);
        }
    }
}

/// What is wrong with a destination root: it is `""` (none) or an absolute path — POSIX
/// (`/srv/customers`) or Windows (`C:\customers`, `\\server\share`) — without `.` or `..`
/// components (the helper refuses them too; saying so here names the field).
fn check_destination_root(root: &str) -> Option<&'static str> {
    let bytes = root.as_bytes();
    let absolute = root.starts_with('/')
        || root.starts_with("\\\\")
        || (bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && matches!(bytes[2], b'\\' | b'/'));
    if root.is_empty() {
        None
    } else if !absolute {
        Some("must be an absolute path (/srv/customers, C:\\customers) or empty")
    } else if root.split(['/', '\\']).any(|c| c == ".." || c == ".") {
        Some("must not contain '.' or '..' folders")
    } else if root.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else {
        None
    }
}

/// Brings a settings document of any earlier version to [`CURRENT_VERSION`].
///
/// - Version 1 (the first release) had one `pathTemplate` that included the base
///   folder, and an `unsortedFolder` name. Version 2 splits the base folder out
///   (`baseFolder` + `template`) and makes the fallback a template.
/// - Version 3 keeps the ticket number in the default fallback: a version-2 document with
///   the old default `_unsorted/{filename}` gets [`DEFAULT_FALLBACK`]; any other fallback
///   template is the user's choice and stays.
/// - A document without `version` is taken as current: hand-written files and policies
///   name only the fields they set.
pub fn migrate(value: Value) -> Result<Value, FieldError> {
    let Value::Object(mut map) = value else {
        return Err(FieldError::document("settings must be a JSON object"));
    };
    let version = match map.get("version") {
        None => u64::from(CURRENT_VERSION),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| FieldError::new("version", "must be a positive whole number"))?,
    };
    if version > u64::from(CURRENT_VERSION) {
        return Err(FieldError::new(
            "version",
            format!("settings version {version} is newer than this extension understands ({CURRENT_VERSION}); update the extension"),
        ));
    }
    if version < 1 {
        return Err(FieldError::new("version", "must be 1 or more"));
    }
    if version == 1 {
        map = migrate_v1(map);
    }
    if version <= 2 {
        if map.get("fallbackTemplate").and_then(Value::as_str) == Some(V2_DEFAULT_FALLBACK) {
            map.insert("fallbackTemplate".into(), DEFAULT_FALLBACK.into());
        }
        map.insert("version".into(), Value::from(CURRENT_VERSION));
    }
    Ok(Value::Object(map))
}

fn migrate_v1(mut map: Map) -> Map {
    if let Some(Value::String(path)) = map.remove("pathTemplate") {
        // "zendesk/{org}/{ticket_id}/{filename}": the literal leading folders become the base.
        let parts: Vec<&str> = path.split('/').collect();
        let literal = parts
            .iter()
            .take(parts.len().saturating_sub(1))
            .take_while(|p| !p.contains('{'))
            .count();
        map.insert(
            "baseFolder".into(),
            Value::String(parts[..literal].join("/")),
        );
        map.insert("template".into(), Value::String(parts[literal..].join("/")));
    }
    if let Some(Value::String(folder)) = map.remove("unsortedFolder") {
        map.insert(
            "fallbackTemplate".into(),
            Value::String(format!("{folder}/{{filename}}")),
        );
    }
    map.insert("version".into(), Value::from(CURRENT_VERSION));
    map
}

// ---- where the settings live ------------------------------------------------------------
//
// Settings are kept in `storage.local`: they name customers (aliases, rules on
// organizations), and `storage.sync` copies its content to the browser vendor's servers.
// Syncing is the user's explicit choice (`syncSettings`), and even then what names
// customers stays on this computer unless the user also ticks `syncCustomerNames`.

fn flag(settings: &Map, key: &str) -> bool {
    settings.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn names_an_organization(rule: &Value) -> bool {
    rule.get("organization").is_some_and(|o| !o.is_null())
}

/// What to keep in `storage.sync` for the user's settings (`local`, as stored): `None`
/// when syncing is off (the sync copy is removed). Without `syncCustomerNames` the copy
/// has no aliases and no rule with an organization condition.
pub fn for_sync(local: &Value) -> Option<Value> {
    let map = local.as_object()?;
    if !flag(map, "syncSettings") {
        return None;
    }
    let mut copy = map.clone();
    if !flag(map, "syncCustomerNames") {
        copy.remove("aliases");
        if let Some(Value::Array(rules)) = copy.get_mut("rules") {
            rules.retain(|r| !names_an_organization(r));
        }
    }
    Some(Value::Object(copy))
}

/// The local settings after another computer changed the sync copy (`synced`), or `None`
/// when there is nothing to take: syncing is off here, or the sync copy is what this
/// computer would write itself. What stays local (aliases, rules on organizations) is
/// kept; the local rules on organizations come first, before the synced rules.
pub fn merge_synced(local: &Value, synced: &Value) -> Option<Value> {
    let local_map = local.as_object()?;
    let synced_map = synced.as_object()?;
    if !flag(local_map, "syncSettings") || for_sync(local).as_ref() == Some(synced) {
        return None;
    }
    let mut merged = synced_map.clone();
    if !flag(synced_map, "syncCustomerNames") {
        if let Some(aliases) = local_map.get("aliases") {
            merged.insert("aliases".into(), aliases.clone());
        }
        let local_rules = local_map.get("rules").and_then(Value::as_array);
        let own: Vec<Value> = local_rules
            .into_iter()
            .flatten()
            .filter(|r| names_an_organization(r))
            .cloned()
            .collect();
        if !own.is_empty() {
            let shared = merged.remove("rules");
            let shared = shared
                .as_ref()
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            let rules = own.iter().chain(shared).cloned().collect();
            merged.insert("rules".into(), Value::Array(rules));
        }
    }
    // Whether this computer syncs is its own choice.
    merged.insert("syncSettings".into(), Value::Bool(true));
    Some(Value::Object(merged))
}

/// What to do with the two storage areas when the worker starts (versions before 0.2
/// kept the settings in `storage.sync`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageMigration {
    /// Write these settings to `storage.local` (the sync copy was the only one).
    pub write_local: Option<Value>,
    /// What `storage.sync` must hold: `Some` to write, `None` to remove the key.
    pub sync: Option<Value>,
}

/// Moves settings found only in `storage.sync` to `storage.local` (nothing is lost), and
/// makes the sync copy what [`for_sync`] says (removed unless the user opted in).
pub fn storage_migration(local: Option<&Value>, sync: Option<&Value>) -> StorageMigration {
    let write_local = match (local, sync) {
        (None, Some(s)) => Some(s.clone()),
        _ => None,
    };
    let effective = write_local.as_ref().or(local);
    StorageMigration {
        sync: effective.and_then(for_sync),
        write_local,
    }
}

// ---- what the options page is told ------------------------------------------------------

/// The settings under an administrator's policy: `{settings, locked}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policied {
    /// The merged document (validated where it is used).
    pub settings: Value,
    /// The fields the policy sets: the options page shows them locked.
    pub locked: Vec<String>,
}

impl Policied {
    /// Overlays an administrator's `policy` (`storage.managed`) on the `user`'s settings.
    /// Both documents are migrated first; the policy's `version` is ignored.
    pub fn apply(user: Value, policy: Value) -> Result<Policied, FieldError> {
        let Value::Object(mut merged) = migrate(user)? else {
            return Err(FieldError::document("settings must be a JSON object"));
        };
        let Value::Object(policy) = policy else {
            return Err(FieldError::document("the policy must be a JSON object"));
        };
        let mut locked = Vec::new();
        for (key, v) in policy {
            if key == "version" {
                continue;
            }
            locked.push(key.clone());
            merged.insert(key, v);
        }
        Ok(Policied {
            settings: Value::Object(merged),
            locked,
        })
    }
}

/// The options page's check of settings being edited, which applies nothing:
/// `{ok, errors, settings, incompleteRules}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    /// Whether the settings may be saved.
    pub ok: bool,
    /// Every problem, with its field (empty when ok).
    pub errors: Vec<FieldError>,
    /// The settings normalised, defaults filled in (when ok).
    pub settings: Option<Settings>,
    /// The rules (0-based) without a condition: saved, shown as incomplete, not applied.
    pub incomplete_rules: Vec<usize>,
}

impl Validation {
    /// Validates a settings document as loading it would (migrated first).
    pub fn of(document: impl Into<Value>) -> Validation {
        match ValidSettings::from_value(document) {
            Ok(valid) => Validation {
                ok: true,
                errors: Vec::new(),
                incomplete_rules: valid.incomplete_rules(),
                settings: Some(valid.settings),
            },
            Err(SettingsErrors(errors)) => Validation {
                ok: false,
                errors,
                settings: None,
                incomplete_rules: Vec::new(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `serde_json::json!`, as a settings document.
    macro_rules! json {
        ($($json:tt)+) => {
            Value::from(serde_json::json!($($json)+))
        };
    }

    fn errors_of(value: Value) -> Vec<String> {
        ValidSettings::from_value(value)
            .expect_err("invalid settings")
            .0
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_defaults_are_valid_and_an_empty_document_means_defaults() {
        let v = ValidSettings::from_json("{}").expect("empty is fine");
        assert_eq!(v.settings(), &Settings::default());
        assert_eq!(v.template().source(), "{org}/{ticket_id}/{filename}");
        assert_eq!(v.base_dirs().collect::<Vec<_>>(), ["zendesk"]);
        assert_eq!(ValidSettings::defaults().settings(), &Settings::default());
    }

    #[test]
    fn settings_round_trip_through_json() {
        let json = serde_json::to_value(Settings::default()).expect("serialize");
        let back = ValidSettings::from_value(json).expect("valid");
        assert_eq!(back.settings(), &Settings::default());
    }

    #[test]
    fn every_error_is_reported_with_its_field() {
        let errs = errors_of(json!({
            "template": "{org}/{filenme}",
            "fallbackTemplate": "{org}/",
            "conflictAction": "replace",
            "watchdogMs": 50,
            "baseFolder": "../x",
            "noOrgFolder": "CON",
            "hostMappedDomains": ["support.example.com", "not a host"],
            "aliases": {"ACME": "a/b"},
            "rules": [{"leaveAlone": true}, {"fileName": "(", "leaveAlone": true}, {"bogus": 1}],
            "bulkConcurrency": 0,
            "retentionAfterSolvedDays": 0,
            "sidecar": "pdf",
            "colour": "red"
        }));
        let want = [
            "template: unknown placeholder {filenme}",
            "fallbackTemplate: the template must end with a file name",
            "conflictAction: unknown variant `replace`",
            "watchdogMs: must be between",
            "baseFolder: '..' is not a portable folder name",
            "noOrgFolder: 'CON' is not a portable folder name",
            "hostMappedDomains[1]: 'not a host'",
            "aliases[\"ACME\"]: 'a/b' is not a portable folder name",
            "rules[1].fileName: invalid pattern",
            "rules[2]: unknown field `bogus`",
            "colour: unknown setting",
            "bulkConcurrency: must be between 1 and 10",
            "retentionAfterSolvedDays: must be between 1 and 3650",
            "sidecar: unknown variant `pdf`",
        ];
        for w in want {
            assert!(
                errs.iter().any(|e| e.starts_with(w)),
                "missing {w:?} in {errs:#?}"
            );
        }
        assert_eq!(errs.len(), want.len(), "{errs:#?}");
    }

    #[test]
    fn an_alias_error_names_the_organization_exactly_as_written() {
        // A control character, a quote, a backslash, DEL and a bidi override: each is
        // escaped differently by Rust's `{:?}`, JSON and JavaScript, so the path must carry
        // the name itself.
        let org = "ACME \"EMEA\"\u{1}\\\u{7f}\u{202e}";
        let errors = ValidSettings::from_value(json!({"aliases": {org: "a/b"}}))
            .expect_err("'a/b' is no folder name")
            .0;
        assert_eq!(errors.len(), 1, "{errors:?}");
        let error = serde_json::to_value(&errors[0]).expect("json");
        assert_eq!(error["path"], serde_json::json!(["aliases", org]));
        assert_eq!(
            error["field"], r#"aliases["ACME \"EMEA\"\u{1}\\\u{7f}\u{202e}"]"#,
            "for humans, escaped"
        );
    }

    #[test]
    fn rule_errors_name_the_rule_by_index_and_then_its_field() {
        let errors = ValidSettings::from_value(json!({
            "rules": [{"extensions": ["har"], "leaveAlone": true}, {"fileName": "(", "leaveAlone": true}, {"bogus": 1}]
        }))
        .expect_err("invalid rules")
        .0;
        let paths: Vec<serde_json::Value> = errors
            .iter()
            .map(|e| serde_json::to_value(&e.path).expect("json"))
            .collect();
        assert_eq!(
            paths,
            [
                serde_json::json!(["rules", 2]),
                serde_json::json!(["rules", 1, "fileName"])
            ]
        );
    }

    #[test]
    fn a_rule_template_takes_the_comment_placeholders_and_a_bad_format_names_the_field() {
        let rule =
            |template: &str| json!({"rules": [{"extensions": ["log"], "template": template}]});
        assert!(
            ValidSettings::from_value(rule("{author}/{uploaded:%Y}_{comment_id}/{filename}"))
                .is_ok()
        );
        let errors = ValidSettings::from_value(rule("{uploaded:%Y-%B}/{filename}"))
            .expect_err("bad format")
            .0;
        let path = serde_json::to_value(&errors[0].path).expect("json");
        assert_eq!(path, serde_json::json!(["rules", 0, "template"]));
        assert!(
            errors[0].message.contains("unsupported date code %B"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn captures_are_not_placeholders_of_the_main_template() {
        let errs = errors_of(json!({"template": "{host}/{filename}"}));
        assert!(errs[0].contains("unknown placeholder {host}"), "{errs:?}");
    }

    #[test]
    fn not_json_or_not_an_object_is_a_document_error() {
        let e = ValidSettings::from_json("{nope").expect_err("bad json");
        assert!(e.to_string().contains("not valid JSON"), "{e}");
        let e = ValidSettings::from_json("[]").expect_err("array");
        assert!(e.to_string().contains("must be a JSON object"), "{e}");
    }

    #[test]
    fn version_2s_default_fallback_becomes_one_that_keeps_the_ticket_number() {
        let old = json!({"version": 2, "fallbackTemplate": "_unsorted/{filename}"});
        let s = ValidSettings::from_value(old).expect("migrates");
        assert_eq!(
            s.settings().fallback_template,
            "_unsorted/{ticket_id}/{filename}"
        );
        assert_eq!(s.settings().version, 3);
        let chosen = json!({"version": 2, "fallbackTemplate": "_misc/{filename}"});
        let s = ValidSettings::from_value(chosen).expect("valid");
        assert_eq!(
            s.settings().fallback_template,
            "_misc/{filename}",
            "a user's own choice stays"
        );
    }

    #[test]
    fn version_1_is_migrated_and_newer_versions_are_refused() {
        let v1 = json!({"version": 1, "pathTemplate": "downloads/zendesk/{org}/{ticket_id}/{filename}",
                        "unsortedFolder": "_misc", "enabled": false});
        let s = ValidSettings::from_value(v1).expect("migrates");
        assert_eq!(s.settings().version, CURRENT_VERSION);
        assert_eq!(s.settings().base_folder, "downloads/zendesk");
        assert_eq!(s.settings().template, "{org}/{ticket_id}/{filename}");
        assert_eq!(s.settings().fallback_template, "_misc/{filename}");
        assert!(!s.settings().enabled);

        let errs = errors_of(json!({"version": 99}));
        assert!(
            errs[0].contains("newer than this extension understands"),
            "{errs:?}"
        );
    }

    #[test]
    fn host_mapped_domains_are_normalised() {
        let s = ValidSettings::from_value(json!({"hostMappedDomains": [" Support.Example.COM. "]}))
            .expect("valid");
        assert_eq!(s.settings().host_mapped_domains, ["support.example.com"]);
    }

    #[test]
    fn delete_redacted_is_on_by_default_a_team_policy_can_lock_it_and_it_counts_for_the_daily_run()
    {
        let retention = |v: Value| ValidSettings::from_value(v).expect("valid").retention();
        assert!(retention(json!({})).delete_redacted, "on by default");
        assert!(!retention(json!({"deleteRedacted": false})).delete_redacted);
        assert!(
            errors_of(json!({"deleteRedacted": "no"}))[0].starts_with("deleteRedacted: "),
            "a clear error naming the field"
        );
        // The daily run deletes redacted files even without a period; with nothing to do it is refused.
        assert!(retention(json!({"retentionDaily": true})).delete_redacted);
        assert_eq!(
            errors_of(json!({"retentionDaily": true, "deleteRedacted": false})),
            ["retentionDaily: a daily clean-up needs a retention period or deleteRedacted"]
        );
        let Policied { settings, locked } = Policied::apply(
            json!({"deleteRedacted": false}),
            json!({"deleteRedacted": true}),
        )
        .expect("objects");
        assert_eq!(locked, ["deleteRedacted"]);
        assert!(retention(settings).delete_redacted, "the policy wins");
    }

    #[test]
    fn the_local_helper_settings_are_off_by_default_and_checked_by_field() {
        let s = ValidSettings::defaults();
        assert_eq!(s.settings().unpack_archives, UnpackArchives::Off);
        assert_eq!(s.settings().destination_root, "");
        assert!(!s.settings().helper_cleanup);
        for root in [
            "/srv/customers",
            " /Volumes/Encrypted/zendesk ",
            "C:\\Customers",
            "d:/customers",
            "\\\\nas\\support",
        ] {
            let v =
                json!({"destinationRoot": root, "unpackArchives": "rules", "helperCleanup": true});
            let valid = ValidSettings::from_value(v).expect(root);
            assert_eq!(valid.settings().destination_root, root.trim());
        }
        for (root, want) in [
            ("customers", "destinationRoot: must be an absolute path"),
            ("~/customers", "destinationRoot: must be an absolute path"),
            ("C:customers", "destinationRoot: must be an absolute path"),
            (
                "/srv/../etc",
                "destinationRoot: must not contain '.' or '..'",
            ),
            (
                "C:\\x\\..\\y",
                "destinationRoot: must not contain '.' or '..'",
            ),
            ("/srv/./x", "destinationRoot: must not contain '.' or '..'"),
            (
                "/srv/a\nb",
                "destinationRoot: must not contain control characters",
            ),
        ] {
            let errs = errors_of(json!({ "destinationRoot": root }));
            assert!(
                errs.len() == 1 && errs[0].starts_with(want),
                "{root:?}: {errs:?}"
            );
        }
        assert_eq!(
            errors_of(json!({"unpackArchives": "some", "helperCleanup": "yes"})).len(),
            2
        );
        assert!(errors_of(json!({"unpackArchives": "some"}))[0]
            .starts_with("unpackArchives: unknown variant `some`"));
        let Policied { settings, locked } = Policied::apply(
            json!({"unpackArchives": "all", "destinationRoot": "/home/me/x"}),
            json!({"unpackArchives": "off", "destinationRoot": "/srv/customers"}),
        )
        .expect("objects");
        assert_eq!(locked, ["destinationRoot", "unpackArchives"]);
        let s = ValidSettings::from_value(settings).expect("valid");
        assert_eq!(
            s.settings().destination_root,
            "/srv/customers",
            "the policy wins"
        );
    }

    #[test]
    fn a_policy_overrides_the_user_and_locks_its_fields() {
        let Policied {
            settings: merged,
            locked,
        } = Policied::apply(
            json!({"template": "zd-{ticket_id}/{filename}", "enabled": false}),
            json!({"enabled": true, "baseFolder": "customers", "version": 7}),
        )
        .expect("objects");
        assert_eq!(locked, ["baseFolder", "enabled"]);
        let s = ValidSettings::from_value(merged).expect("valid");
        assert!(s.settings().enabled);
        assert_eq!(s.template().source(), "zd-{ticket_id}/{filename}");
        assert_eq!(s.settings().base_folder, "customers");
        assert!(
            Policied::apply(json!({}), json!([])).is_err(),
            "a policy is an object"
        );
    }

    // ---- sync ---------------------------------------------------------------------------

    fn org_rule() -> Value {
        json!({"organization": "^ACME", "template": "{org}/{ticket_id}/{filename}"})
    }

    fn har_rule() -> Value {
        json!({"extensions": ["har"], "leaveAlone": true})
    }

    #[test]
    fn nothing_is_synced_unless_the_user_opts_in() {
        assert_eq!(for_sync(&json!({})), None);
        assert_eq!(
            for_sync(&json!({"syncSettings": false, "template": "zd-{ticket_id}/{filename}"})),
            None
        );
        assert_eq!(
            for_sync(&json!({"syncSettings": "yes", "syncCustomerNames": true})),
            None,
            "only a real true opts in"
        );
        assert_eq!(for_sync(&json!([])), None);
    }

    #[test]
    fn the_sync_copy_names_no_customer_unless_the_user_says_so() {
        let unnamed = json!({"mime": "image/*", "organization": null, "leaveAlone": true});
        let local = json!({
            "syncSettings": true,
            "template": "zd-{ticket_id}/{filename}",
            "aliases": {"ACME Corp.": "acme"},
            "rules": [org_rule(), har_rule(), unnamed],
        });
        let copy = for_sync(&local).expect("opted in");
        assert_eq!(
            copy,
            json!({
                "syncSettings": true,
                "template": "zd-{ticket_id}/{filename}",
                "rules": [har_rule(), unnamed],
            })
        );
        ValidSettings::from_value(copy).expect("the sync copy is valid settings");

        let mut named = local.clone();
        if let Value::Object(map) = &mut named {
            map.insert("syncCustomerNames".into(), true.into());
        }
        assert_eq!(for_sync(&named), Some(named.clone()), "everything");
    }

    #[test]
    fn synced_settings_are_ignored_while_this_computer_does_not_sync() {
        let synced = json!({"syncSettings": true, "template": "zd-{ticket_id}/{filename}"});
        assert_eq!(merge_synced(&json!({}), &synced), None);
        let off = json!({"syncSettings": false, "template": "{org}/{filename}"});
        assert_eq!(merge_synced(&off, &synced), None);
    }

    #[test]
    fn synced_settings_keep_the_local_customer_names_first() {
        let local = json!({
            "syncSettings": true,
            "aliases": {"ACME Corp.": "acme"},
            "rules": [org_rule(), har_rule()],
        });
        let zip = json!({"extensions": ["zip"], "template": "archives/{filename}"});
        let synced = json!({
            "syncSettings": true,
            "template": "zd-{ticket_id}/{filename}",
            "rules": [zip],
        });
        let merged = merge_synced(&local, &synced).expect("changed elsewhere");
        assert_eq!(
            merged,
            json!({
                "syncSettings": true,
                "template": "zd-{ticket_id}/{filename}",
                "aliases": {"ACME Corp.": "acme"},
                "rules": [org_rule(), zip],
            })
        );
        ValidSettings::from_value(merged).expect("valid");
    }

    #[test]
    fn our_own_sync_copy_coming_back_changes_nothing() {
        for local in [
            json!({"syncSettings": true, "aliases": {"ACME Corp.": "acme"}, "rules": [org_rule(), har_rule()]}),
            json!({"syncSettings": true, "syncCustomerNames": true, "aliases": {"ACME Corp.": "acme"}}),
            json!({"syncSettings": true}),
        ] {
            let echo = for_sync(&local).expect("opted in");
            assert_eq!(merge_synced(&local, &echo), None, "{local:?}");
        }
    }

    #[test]
    fn settings_found_only_in_sync_move_to_local() {
        let old = json!({"version": 2, "template": "zd-{ticket_id}/{filename}", "aliases": {"ACME Corp.": "acme"}});
        assert_eq!(
            storage_migration(None, Some(&old)),
            StorageMigration {
                write_local: Some(old.clone()),
                sync: None,
            },
            "moved, and the sync copy removed: the user never opted in"
        );
        assert_eq!(
            storage_migration(None, None),
            StorageMigration {
                write_local: None,
                sync: None,
            }
        );
    }

    #[test]
    fn the_sync_copy_follows_the_local_choice() {
        let synced = json!({"template": "zd-{ticket_id}/{filename}"});
        let off = json!({"template": "{org}/{filename}", "syncSettings": false});
        assert_eq!(
            storage_migration(Some(&off), Some(&synced)),
            StorageMigration {
                write_local: None,
                sync: None,
            },
            "local wins; syncing off removes the sync copy"
        );
        let on = json!({"syncSettings": true, "aliases": {"ACME Corp.": "acme"}, "rules": [org_rule(), har_rule()]});
        for sync in [Some(&synced), None] {
            assert_eq!(
                storage_migration(Some(&on), sync),
                StorageMigration {
                    write_local: None,
                    sync: for_sync(&on),
                }
            );
        }
        assert_eq!(
            for_sync(&on),
            Some(json!({"syncSettings": true, "rules": [har_rule()]}))
        );
    }

    #[test]
    fn a_validation_lists_every_error_and_applies_nothing() {
        let v = Validation::of(json!({"template": "{nope}", "watchdogMs": 1}));
        assert!(!v.ok);
        assert_eq!(v.errors.len(), 2, "{:?}", v.errors);
        assert_eq!(v.settings, None);

        let rules =
            json!({"rules": [{"extensions": ["har"], "leaveAlone": true}, {"leaveAlone": true}]});
        let v = Validation::of(rules);
        assert!(v.ok, "{:?}", v.errors);
        assert_eq!(v.incomplete_rules, [1]);
        assert_eq!(v.settings.map(|s| s.rules.len()), Some(2));
        let shown = serde_json::to_value(Validation::of(json!({}))).expect("json");
        assert_eq!(shown["incompleteRules"], serde_json::json!([]));
        assert_eq!(shown["settings"]["baseFolder"], "zendesk");
    }
}
