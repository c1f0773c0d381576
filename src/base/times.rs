//! Times as stsenv writes and reads them: RFC 3339 in UTC (cache files, JSON, profiles), the
//! time left in a prompt-sized form (`11h58m`), a span to the second (`7m12s`), and durations
//! typed by the user (`15m`).

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// Format a time as RFC 3339 in UTC with whole seconds, ending in `Z`.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// The whole seconds from `now` to `expires`, as the prompt functions count them from
/// `STSENV_EXPIRES` and the shell's clock: the difference of the two times' whole seconds.
pub fn seconds_left(expires: OffsetDateTime, now: OffsetDateTime) -> i64 {
    expires.unix_timestamp() - now.unix_timestamp()
}

/// "11h58m", "42m", "0m": the time left in a prompt-sized form, rounded to the nearest minute
/// (half a minute up). The one rule for time left: messages, `now`, `list` and the prompt
/// functions of the four shells (which compute it themselves, the same way) all show this, so
/// a 12-hour session is "12h00m" everywhere the second it is made, not "11h59m" in one place.
pub fn format_left(seconds: i64) -> String {
    let minutes = (seconds.max(0) + 30) / 60;
    if minutes >= 60 { format!("{}h{:02}m", minutes / 60, minutes % 60) } else { format!("{minutes}m") }
}

/// "7m12s", "42s", "2h05m": a span to the second (to the minute from an hour up).
pub fn span(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m{:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h{:02}m", seconds / 3600, seconds % 3600 / 60),
    }
}

/// A duration as typed: a whole number with a unit, `900s`, `15m`, `1h`, or parts of them
/// together, `1h30m`; a bare number is seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<i64>().ok().map(Duration::seconds);
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        let number: i64 = rest[..digits].parse().ok()?;
        let unit = rest[digits..].chars().next()?;
        total += match unit {
            's' => Duration::seconds(number),
            'm' => Duration::minutes(number),
            'h' => Duration::hours(number),
            _ => return None,
        };
        rest = &rest[digits + 1..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        let got: Vec<String> = [0, 59, 60, 432, 3599, 3600, 7500].into_iter().map(span).collect();
        assert_eq!(got, ["0s", "59s", "1m00s", "7m12s", "59m59s", "1h00m", "2h05m"]);
    }

    #[test]
    fn rfc3339_is_utc_with_z() {
        let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap() + Duration::milliseconds(250);
        assert_eq!(rfc3339(t.to_offset(time::macros::offset!(+2))), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn left() {
        assert_eq!(format_left(11 * 3600 + 58 * 60 + 29), "11h58m");
        assert_eq!(format_left(11 * 3600 + 59 * 60 + 59), "12h00m");
        assert_eq!(format_left(3599), "1h00m");
        assert_eq!(format_left(3600 + 5 * 60), "1h05m");
        assert_eq!(format_left(42 * 60), "42m");
        assert_eq!(format_left(29), "0m");
        assert_eq!(format_left(30), "1m");
        assert_eq!(format_left(-5), "0m");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m"), Some(Duration::minutes(15)));
        assert_eq!(parse_duration("900s"), Some(Duration::seconds(900)));
        assert_eq!(parse_duration("900"), Some(Duration::seconds(900)));
        assert_eq!(parse_duration("1h"), Some(Duration::hours(1)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::minutes(90)));
        for bad in ["", "m", "15x", "-5m", "1.5h", "15 m", "h1", "9999999999s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
