//! Timestamps: the few textual shapes Lambda logs use, to and from Unix milliseconds.
//!
//! Hand-written because we only need UTC civil-date arithmetic and a tolerant parser; a
//! date-time crate would be the largest dependency of the crate for two functions.

/// Parses a timestamp at the start of `text` and returns it in Unix milliseconds with the
/// number of bytes it took.
///
/// Accepts `YYYY-MM-DDTHH:MM:SS`, with a space instead of `T`, `/` instead of `-` (Go's
/// `log` package), an optional `.fff` or `,fff` fraction and an optional `Z`, `±hh:mm` or
/// `±hhmm` offset. Without an offset the time is taken as UTC, which is what Lambda writes.
pub fn parse_timestamp_prefix(text: &str) -> Option<(i64, usize)> {
    let b = text.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let sep = b[4];
    if !(sep == b'-' || sep == b'/') || b[7] != sep {
        return None;
    }
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    if !(b[10] == b'T' || b[10] == b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let mut pos = 19;
    let mut millis = 0i64;
    if pos < b.len()
        && (b[pos] == b'.' || b[pos] == b',')
        && b.get(pos + 1).is_some_and(u8::is_ascii_digit)
    {
        pos += 1;
        let mut scale = 100;
        while pos < b.len() && b[pos].is_ascii_digit() {
            millis += i64::from(b[pos] - b'0') * scale;
            scale /= 10;
            pos += 1;
        }
    }
    let mut offset_minutes = 0i64;
    if pos < b.len() {
        match b[pos] {
            b'Z' => pos += 1,
            b'+' | b'-' => {
                let sign = if b[pos] == b'-' { -1 } else { 1 };
                if let Some(h) = digits(b, pos + 1, 2) {
                    let (m, len) = if b.get(pos + 3) == Some(&b':') {
                        (digits(b, pos + 4, 2), 6)
                    } else {
                        (digits(b, pos + 3, 2), 5)
                    };
                    if let Some(m) = m {
                        offset_minutes = sign * (h * 60 + m);
                        pos += len;
                    }
                }
            }
            _ => {}
        }
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some((seconds * 1_000 + millis, pos))
}

/// Parses a whole RFC 3339 timestamp (the Telemetry API's `time`).
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    parse_timestamp_prefix(text.trim()).map(|(ms, _)| ms)
}

/// Formats Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.fffZ`.
pub fn format_millis(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rest = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1_000 % 60,
        rest % 1_000
    )
}

fn digits(b: &[u8], start: usize, len: usize) -> Option<i64> {
    let slice = b.get(start..start + len)?;
    let mut value = 0i64;
    for &c in slice {
        if !c.is_ascii_digit() {
            return None;
        }
        value = value * 10 + i64::from(c - b'0');
    }
    Some(value)
}

// Howard Hinnant's algorithms (http://howardhinnant.github.io/date_algorithms.html).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_shapes_lambda_writes() {
        assert_eq!(
            parse_timestamp_prefix("2020-03-05T16:30:36.113Z\tx"),
            Some((1_583_425_836_113, 24))
        );
        assert_eq!(
            parse_timestamp_prefix("2020-03-05 16:30:36 abc").map(|t| t.0),
            Some(1_583_425_836_000)
        );
        assert_eq!(
            parse_timestamp_prefix("2020/03/05 16:30:36 {").map(|t| t.0),
            Some(1_583_425_836_000)
        );
        assert_eq!(
            parse_timestamp_prefix("2021-05-03 11:47:12,494+0000").map(|t| t.0),
            Some(1_620_042_432_494)
        );
        assert_eq!(
            parse_timestamp_prefix("2021-05-03T13:47:12.494+02:00").map(|t| t.0),
            Some(1_620_042_432_494)
        );
        assert_eq!(
            parse_rfc3339("2023-11-28T12:00:09Z"),
            Some(1_701_172_809_000)
        );
        assert_eq!(parse_timestamp_prefix("START RequestId: x"), None);
        assert_eq!(parse_timestamp_prefix("2020-13-05T16:30:36Z"), None);
    }

    #[test]
    fn formats_round_trip() {
        for ms in [0, 1_583_425_836_113, 951_782_400_000, 4_102_444_800_999] {
            assert_eq!(parse_rfc3339(&format_millis(ms)), Some(ms));
        }
        assert_eq!(format_millis(1_583_425_836_113), "2020-03-05T16:30:36.113Z");
    }
}
