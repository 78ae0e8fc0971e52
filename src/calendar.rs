//! Calendar arithmetic in UTC: the one place that turns dates into milliseconds since the
//! Unix epoch and back.
//!
//! Two users: templates format the download time for `{date}` / `{date:%Y-%m}`
//! ([`format()`], with the formats [`check_format`] accepts), and retention reads Zendesk's
//! `updated_at` timestamps ([`parse_rfc3339`]). Both work on milliseconds since the Unix
//! epoch, as JavaScript's `Date.now()` gives them, so no clock and no time-zone database
//! is needed: the core never reads the time, and every date is UTC.

/// The `strftime` codes [`format`] supports, after `%`.
const FORMAT_CODES: &str = "YmdHMS%";

/// Checks a `{date:FORMAT}` (or `{uploaded:FORMAT}`) format: only `%Y %m %d %H %M %S %%`
/// are supported.
pub fn check_format(format: &str) -> Result<(), String> {
    if format.is_empty() {
        return Err("empty date format after ':'".into());
    }
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some(code) if FORMAT_CODES.contains(code) => {}
                Some(code) => {
                    return Err(format!(
                        "unsupported date code %{code}; use %Y %m %d %H %M %S or %%"
                    ))
                }
                None => return Err("date format ends with a lone '%'".into()),
            }
        }
    }
    Ok(())
}

/// Formats `ms` (milliseconds since the Unix epoch, UTC) with the supported `strftime`
/// subset. Formats that passed [`check_format`] only.
pub fn format(ms: f64, format: &str) -> String {
    let secs = (ms / 1000.0).floor() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&format!("{y:04}")),
            Some('m') => out.push_str(&format!("{m:02}")),
            Some('d') => out.push_str(&format!("{d:02}")),
            Some('H') => out.push_str(&format!("{:02}", rem / 3600)),
            Some('M') => out.push_str(&format!("{:02}", rem / 60 % 60)),
            Some('S') => out.push_str(&format!("{:02}", rem % 60)),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Parses an RFC 3339 timestamp such as Zendesk's `2026-11-23T08:01:44Z` into
/// milliseconds since the Unix epoch. Fractions of a second are accepted (and dropped);
/// the offset is `Z` or `±hh:mm`. `None` for anything else, impossible dates (February 30,
/// February 29 of a common year) included: a date retention cannot trust is no date.
pub fn parse_rfc3339(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if b.len() < 20
        || separators.iter().any(|&(i, c)| b[i] != c)
        || !matches!(b[10], b'T' | b't' | b' ')
    {
        return None;
    }
    let at = |from: usize, len: usize| number(s.get(from..from + len)?);
    let (year, month, day) = (at(0, 4)?, at(5, 2)?, at(8, 2)?);
    let (hour, minute, second) = (at(11, 2)?, at(14, 2)?, at(17, 2)?);
    if !(1..=12).contains(&month)
        || !(1..=days_in_month(year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = s.get(19..)?;
    if let Some(fraction) = rest.strip_prefix('.') {
        rest = fraction.trim_start_matches(|c: char| c.is_ascii_digit());
        if rest.len() == fraction.len() {
            return None; // a '.' without digits
        }
    }
    let offset = offset_minutes(rest)?;
    let days = days_from_civil(year, month as u32, day as u32);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset * 60;
    Some(secs as f64 * 1000.0)
}

/// The offset of an RFC 3339 timestamp in minutes east of UTC: `Z`, `z` or `±hh:mm`.
fn offset_minutes(offset: &str) -> Option<i64> {
    if offset.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let sign = match offset.as_bytes() {
        [b'+', _, _, b':', _, _] => 1,
        [b'-', _, _, b':', _, _] => -1,
        _ => return None,
    };
    let (hours, minutes) = (number(offset.get(1..3)?)?, number(offset.get(4..6)?)?);
    (hours <= 23 && minutes <= 59).then_some(sign * (hours * 60 + minutes))
}

/// A run of ASCII digits as a number (`None` for anything else, signs included).
fn number(digits: &str) -> Option<i64> {
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Days in `month` (1–12) of `year`, in the proleptic Gregorian calendar.
fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's `days_from_civil`: (year, month, day) → days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 → (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates_in_utc() {
        // 2026-11-23T18:01:46Z
        let ms = 1_795_456_906_000.0;
        assert_eq!(format(ms, "%Y-%m-%d %H:%M:%S %%"), "2026-11-23 18:01:46 %");
        assert_eq!(format(0.0, "%Y-%m-%d"), "1970-01-01");
        assert_eq!(format(951_782_400_000.0, "%Y-%m-%d"), "2000-02-29");
    }

    #[test]
    fn parses_zendesk_timestamps() {
        let cases = [
            ("1970-01-01T00:00:00Z", Some(0.0)),
            ("2026-11-23T18:01:46Z", Some(1_795_456_906_000.0)),
            ("2026-11-23T18:01:46.123Z", Some(1_795_456_906_000.0)),
            ("2026-11-23T20:01:46+02:00", Some(1_795_456_906_000.0)),
            ("2000-02-29T00:00:00Z", Some(951_782_400_000.0)),
            ("2026-13-01T00:00:00Z", None),
            ("yesterday", None),
            ("2026-11-23T18:01:46", None),
            ("2026-11-23T18:01:46.Z", None),
            ("2026-11-23T18-01-46Z", None),
            ("2026-11-23X18:01:46Z", None),
            ("+026-11-23T18:01:46Z", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_rfc3339(text), want, "{text}");
        }
    }

    #[test]
    fn days_that_do_not_exist_are_refused() {
        for text in [
            "2026-02-31T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-06-31T00:00:00Z",
            "2026-09-31T00:00:00Z",
            "2026-11-31T00:00:00Z",
            "2026-01-32T00:00:00Z",
            "2026-01-00T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text}");
        }
        // The last day of each month, leap days of leap years included (2000 is one, as
        // every fourth century is): 2026-01-31 is 20 484 days after 1970-01-01.
        let day_ms = 86_400_000.0;
        let last_days = [
            ("2026-01-31", 20_484.0),
            ("2024-02-29", 19_782.0),
            ("2000-02-29", 11_016.0),
            ("2026-04-30", 20_573.0),
            ("2026-12-31", 20_818.0),
        ];
        for (date, days) in last_days {
            let text = format!("{date}T00:00:00Z");
            assert_eq!(parse_rfc3339(&text), Some(days * day_ms), "{text}");
        }
    }

    #[test]
    fn the_offset_is_z_or_hours_colon_minutes() {
        let noon = Some(1_795_435_200_000.0); // 2026-11-23T12:00:00Z
        let cases = [
            ("2026-11-23T12:00:00Z", noon),
            ("2026-11-23T12:00:00z", noon),
            ("2026-11-23T13:00:00+01:00", noon),
            ("2026-11-23T06:30:00-05:30", noon),
            ("2026-11-23T12:00:00+00:00", noon),
            ("2026-11-23T13:00:00+0100", None),
            ("2026-11-23T13:00:00+01-00", None),
            ("2026-11-23T13:00:00+01", None),
            ("2026-11-23T13:00:00+01:00:00", None),
            ("2026-11-23T13:00:00+1:00", None),
            ("2026-11-23T13:00:00+01:60", None),
            ("2026-11-23T13:00:00+24:00", None),
            ("2026-11-23T13:00:00 +01:00", None),
            ("2026-11-23T12:00:00ZZ", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_rfc3339(text), want, "{text}");
        }
    }

    #[cfg(not(target_arch = "wasm32"))] // proptest is native-only
    proptest::proptest! {
        /// Formatting and parsing are separate arithmetic (days → date, date → days):
        /// each checks the other over years 0000–9999.
        #[test]
        fn a_formatted_time_parses_back_to_the_same_second(ms in -62_167_219_200_000.0..253_402_300_799_999.0f64) {
            let text = format(ms, "%Y-%m-%dT%H:%M:%SZ");
            proptest::prop_assert_eq!(parse_rfc3339(&text), Some((ms / 1000.0).floor() * 1000.0), "{}", text);
        }
    }
}
