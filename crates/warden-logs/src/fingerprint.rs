//! Error fingerprints: the same error with different data is one group.
//!
//! A fingerprint hashes the function, the error type, the message with its variable parts
//! masked (numbers, ids, UUIDs, hex, quoted values; not words such as `5xx` or `sha256`)
//! and the top in-app frames. The hash is FNV-1a, written out here because it must never
//! change between builds or Rust versions (`DefaultHasher` may): stored groups are keyed by
//! it. The `v1` prefix versions the hash; a masking fix changes only the fingerprints of
//! the messages it masks differently (they were grouped wrongly), so it keeps `v1`.

/// Masks the parts of a message that vary between occurrences of the same error.
pub fn mask_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == '\'' || c == '"' || c == '`' {
            // A quoted value: mask up to the matching quote on the same line.
            let rest = &message[at + 1..];
            if let Some(end) = rest
                .find([c, '\n'])
                .filter(|&e| rest.as_bytes()[e] == c as u8)
            {
                out.push(c);
                out.push_str("<str>");
                out.push(c);
                let close = at + 1 + end;
                while chars.peek().is_some_and(|&(i, _)| i <= close) {
                    chars.next();
                }
                continue;
            }
            out.push(c);
        } else if c.is_alphanumeric() || c == '_' {
            let mut end = at + c.len_utf8();
            while let Some(&(i, n)) = chars.peek() {
                if n.is_alphanumeric()
                    || n == '_'
                    || n == '-'
                    || (n == '.' && is_digit_at(message, i + 1))
                {
                    end = i + n.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let token = &message[at..end];
            out.push_str(mask_token(token).unwrap_or(token));
        } else {
            out.push(c);
        }
    }
    out
}

fn is_digit_at(text: &str, at: usize) -> bool {
    text.as_bytes().get(at).is_some_and(u8::is_ascii_digit)
}

fn mask_token(token: &str) -> Option<&'static str> {
    let bytes = token.as_bytes();
    if !bytes.iter().any(u8::is_ascii_digit) {
        return None;
    }
    if bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        })
    {
        return Some("<uuid>");
    }
    if bytes
        .iter()
        .all(|b| b.is_ascii_digit() || *b == b'.' || *b == b'-')
    {
        return Some("<num>");
    }
    if bytes.len() >= 8 && bytes.iter().all(u8::is_ascii_hexdigit) {
        return Some("<hex>");
    }
    if is_word_with_digit(bytes) {
        return None;
    }
    if let Some(unit) = number_with_unit(token) {
        return Some(unit);
    }
    // Anything else with a digit in it is an identifier: `ord_12345`, `i-0abc123`.
    Some("<id>")
}

/// Words that hold a digit but name a thing, not an instance: `5xx`, `4XX`, `S3`, `EC2`,
/// `utf8`, `ipv4`, `2nd`, `http2`, `v2` (one digit, no separator), and bit or byte widths
/// (`sha256`, `base64`, `int32`, `arm64`, `x86_64`). An id needs more than that to vary.
fn is_word_with_digit(bytes: &[u8]) -> bool {
    if bytes == b"x86_64" {
        return true;
    }
    if !bytes.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    if bytes.iter().filter(|b| b.is_ascii_digit()).count() == 1 && bytes.len() <= 6 {
        return true;
    }
    let digits_at = bytes
        .iter()
        .position(u8::is_ascii_digit)
        .unwrap_or(bytes.len());
    let (word, width) = bytes.split_at(digits_at);
    word.len() >= 2
        && word.iter().all(u8::is_ascii_alphabetic)
        && matches!(
            width,
            b"8" | b"16" | b"32" | b"64" | b"128" | b"256" | b"384" | b"512"
        )
}

/// `250ms`, `512MB`, `30s`: a measure, masked as a number with its unit kept.
fn number_with_unit(token: &str) -> Option<&'static str> {
    const UNITS: [(&str, &str); 12] = [
        ("ms", "<num>ms"),
        ("s", "<num>s"),
        ("sec", "<num>sec"),
        ("m", "<num>m"),
        ("min", "<num>min"),
        ("h", "<num>h"),
        ("KB", "<num>KB"),
        ("MB", "<num>MB"),
        ("GB", "<num>GB"),
        ("kb", "<num>kb"),
        ("mb", "<num>mb"),
        ("gb", "<num>gb"),
    ];
    let digits = token.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let unit = &token[digits..];
    UNITS
        .iter()
        .find(|(u, _)| *u == unit)
        .map(|(_, masked)| *masked)
}

/// The fingerprint of an error.
pub fn fingerprint(
    function: &str,
    error_type: &str,
    masked_message: &str,
    frames: &[String],
) -> String {
    let mut hash = Fnv1a::new();
    for part in ["v1", function, error_type, masked_message] {
        hash.write(part.as_bytes());
        hash.write(&[0]);
    }
    for frame in frames {
        hash.write(frame.as_bytes());
        hash.write(&[0]);
    }
    format!("{:016x}", hash.0)
}

struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_variable_parts() {
        assert_eq!(
            mask_message("Order 12345 not found"),
            "Order <num> not found"
        );
        assert_eq!(mask_message("KeyError: 'action'"), "KeyError: '<str>'");
        assert_eq!(
            mask_message("request 4d789d71-2f2c-4c66-a4b5-531a0223233d failed after 3.5 s"),
            "request <uuid> failed after <num> s"
        );
        assert_eq!(
            mask_message("object deadbeef00 at ord_778"),
            "object <hex> at <id>"
        );
        assert_eq!(
            mask_message("Expecting value: line 1 column 1 (char 0)"),
            "Expecting value: line <num> column <num> (char <num>)"
        );
        assert_eq!(mask_message("it's broken"), "it's broken");
    }

    #[test]
    fn words_with_a_digit_are_not_ids() {
        assert_eq!(
            mask_message("Received a HTTP 5xx error from S3 (4XX on EC2, utf8, ipv4, 2nd try)"),
            "Received a HTTP 5xx error from S3 (4XX on EC2, utf8, ipv4, 2nd try)"
        );
        assert_eq!(
            mask_message("sha256 of the base64 body on arm64 and x86_64 (int32)"),
            "sha256 of the base64 body on arm64 and x86_64 (int32)"
        );
        assert_eq!(
            mask_message("took 250ms of 3000ms, used 512MB"),
            "took <num>ms of <num>ms, used <num>MB"
        );
        // Real ids stay masked, however short their digit part.
        assert_eq!(
            mask_message("order ord_7 for user-42 on i-0abc123 (job123xyz, a1b2c3)"),
            "order <id> for <id> on <id> (<id>, <id>)"
        );
    }

    #[test]
    fn fingerprints_are_stable_and_discriminating() {
        let a = fingerprint("f", "OrderError", &mask_message("order 17 failed"), &[]);
        let b = fingerprint("f", "OrderError", &mask_message("order 9001 failed"), &[]);
        let c = fingerprint("f", "PaymentError", &mask_message("order 17 failed"), &[]);
        assert_eq!(a, b);
        assert_ne!(a, c);
        // Pinned: stored groups are keyed by it, so a change must be deliberate (bump `v1`).
        assert_eq!(fingerprint("f", "E", "m", &[]), "a768c59da30a50de");
        assert_eq!(fingerprint("", "", "", &[]).len(), 16);
    }
}
