//! Alert notifications: a generic webhook (JSON, HMAC-SHA256 signed), Slack incoming
//! webhooks, and email over SMTP.
//!
//! The SMTP client is a minimal hand-written one (EHLO, optional AUTH PLAIN, MAIL, RCPT,
//! DATA, QUIT) over a tokio TCP stream: sending one plain-text message needs nothing more,
//! and it keeps `lettre`'s dependency tree out of the server. Without TLS to the relay,
//! credentials are only sent to a loopback relay (a local MTA or a tunnel).

use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::alert_rules::{AlertState, Channel};
use crate::config::SmtpConfig;

const TIMEOUT: Duration = Duration::from_secs(10);

/// What is sent for one state change.
#[derive(Clone, Debug, Serialize)]
pub struct Notification {
    pub rule_id: i64,
    pub rule_name: String,
    pub state: AlertState,
    pub value: Option<f64>,
    pub threshold: f64,
    pub message: String,
    pub functions: Vec<String>,
    #[serde(serialize_with = "serialize_ms")]
    pub at_ms: i64,
}

fn serialize_ms<S: serde::Serializer>(ms: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&warden_logs::time::format_millis(*ms))
}

/// One channel's delivery result, kept in the alert history (without URLs or secrets:
/// a Slack webhook URL is itself a credential): the outcome and every attempt.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Delivery {
    pub channel: &'static str,
    pub ok: bool,
    /// The last attempt's detail.
    pub detail: String,
    pub attempts: Vec<Attempt>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Attempt {
    #[serde(serialize_with = "serialize_ms")]
    pub at: i64,
    pub ok: bool,
    pub detail: String,
}

#[derive(Clone)]
pub struct Notifier {
    http: reqwest::Client,
    smtp: Option<SmtpConfig>,
    /// Waits before the second, third, … attempt of a failed delivery.
    backoff: Vec<Duration>,
}

/// Whether a failure may pass on a later attempt: not when the receiver refused the
/// request itself (4xx other than 408 and 429) or the server has no way to send it.
fn worth_retrying(detail: &str) -> bool {
    match detail.strip_prefix("HTTP ") {
        Some(code) => !code.starts_with('4') || code == "408" || code == "429",
        None => !detail.starts_with("no SMTP relay"),
    }
}

impl Notifier {
    pub fn new(smtp: Option<SmtpConfig>, backoff: Vec<Duration>) -> Notifier {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("warden/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Notifier {
            http,
            smtp,
            backoff,
        }
    }

    pub async fn deliver(
        &self,
        channels: &[Channel],
        notification: &Notification,
    ) -> Vec<Delivery> {
        let mut results = Vec::with_capacity(channels.len());
        for channel in channels {
            let name = match channel {
                Channel::Webhook { .. } => "webhook",
                Channel::Slack { .. } => "slack",
                Channel::Email { .. } => "email",
            };
            let mut attempts = Vec::new();
            let mut waits = self.backoff.iter();
            loop {
                let result = match channel {
                    Channel::Webhook { url, secret } => {
                        self.webhook(url, secret, notification).await
                    }
                    Channel::Slack { url } => self.slack(url, notification).await,
                    Channel::Email { to } => self.email(to, notification).await,
                };
                let ok = result.is_ok();
                let detail = result.unwrap_or_else(|e| e);
                let retry = !ok && worth_retrying(&detail);
                attempts.push(Attempt {
                    at: crate::clock::now_ms(),
                    ok,
                    detail,
                });
                match waits.next() {
                    Some(wait) if retry => tokio::time::sleep(*wait).await,
                    _ => break,
                }
            }
            let last = attempts.last().expect("one attempt at least");
            results.push(Delivery {
                channel: name,
                ok: last.ok,
                detail: last.detail.clone(),
                attempts,
            });
        }
        results
    }

    async fn webhook(
        &self,
        url: &str,
        secret: &str,
        notification: &Notification,
    ) -> Result<String, String> {
        let body = serde_json::to_vec(notification).map_err(|e| e.to_string())?;
        let timestamp = (notification.at_ms / 1000).to_string();
        let signature = sign(secret, &timestamp, &body);
        let response = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("x-warden-timestamp", &timestamp)
            .header("x-warden-signature", format!("sha256={signature}"))
            .body(body)
            .send()
            .await
            .map_err(|e| format!("request failed: {}", without_url(e)))?;
        status_result(response.status())
    }

    async fn slack(&self, url: &str, notification: &Notification) -> Result<String, String> {
        let icon = if notification.state == AlertState::Firing {
            ":rotating_light:"
        } else {
            ":white_check_mark:"
        };
        let body = serde_json::json!({ "text": format!("{icon} {}", notification.message) });
        let response = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| format!("request failed: {}", without_url(e)))?;
        status_result(response.status())
    }

    async fn email(&self, to: &[String], notification: &Notification) -> Result<String, String> {
        let Some(smtp) = &self.smtp else {
            return Err("no SMTP relay configured (--smtp-host)".into());
        };
        let subject = format!(
            "[warden] {} {}",
            notification.state.as_str().to_uppercase(),
            notification.rule_name
        );
        let body = format!(
            "{}\n\nRule {} at {}\n",
            notification.message,
            notification.rule_id,
            warden_logs::time::format_millis(notification.at_ms)
        );
        tokio::time::timeout(
            TIMEOUT * 3,
            send_mail(smtp, to, &subject, &body, notification.at_ms),
        )
        .await
        .map_err(|_| "SMTP timed out".to_owned())?
        .map(|_| format!("sent to {} recipient(s)", to.len()))
    }
}

fn status_result(status: reqwest::StatusCode) -> Result<String, String> {
    if status.is_success() {
        Ok(format!("HTTP {}", status.as_u16()))
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}

fn without_url(error: reqwest::Error) -> String {
    // The URL may carry a credential (Slack webhook paths do): never show it.
    error.without_url().to_string()
}

/// HMAC-SHA256 over `timestamp.body`, hex: what a receiver recomputes to verify.
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `Sun, 29 Nov 2026 07:07:43 +0000` for the Date header.
fn rfc2822(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let month_name = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    format!(
        "{weekday}, {day:02} {month_name} {year} {:02}:{:02}:{:02} +0000",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

async fn send_mail(
    smtp: &SmtpConfig,
    to: &[String],
    subject: &str,
    body: &str,
    at_ms: i64,
) -> Result<(), String> {
    let stream = TcpStream::connect((smtp.host.as_str(), smtp.port))
        .await
        .map_err(|e| format!("connecting to the SMTP relay: {e}"))?;
    let loopback = stream
        .peer_addr()
        .map(|a| a.ip().is_loopback())
        .unwrap_or(false);
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    expect(&mut read, 220).await?;
    command(&mut write, &mut read, "EHLO warden\r\n", 250).await?;
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        if !loopback {
            return Err("refusing to send SMTP credentials over an unencrypted connection to a non-loopback relay".into());
        }
        let token =
            base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"));
        command(
            &mut write,
            &mut read,
            &format!("AUTH PLAIN {token}\r\n"),
            235,
        )
        .await?;
    }
    command(
        &mut write,
        &mut read,
        &format!("MAIL FROM:<{}>\r\n", smtp.from),
        250,
    )
    .await?;
    for recipient in to {
        command(
            &mut write,
            &mut read,
            &format!("RCPT TO:<{recipient}>\r\n"),
            250,
        )
        .await?;
    }
    command(&mut write, &mut read, "DATA\r\n", 354).await?;
    let subject: String = subject.chars().filter(|c| !c.is_control()).collect();
    let mut message = format!(
        "From: Warden <{}>\r\nTo: {}\r\nSubject: {subject}\r\nDate: {}\r\nMessage-ID: <{at_ms}.{}@warden>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
        smtp.from,
        to.join(", "),
        rfc2822(at_ms),
        std::process::id()
    );
    for line in body.lines() {
        // Dot-stuffing (RFC 5321 §4.5.2).
        if line.starts_with('.') {
            message.push('.');
        }
        message.push_str(line);
        message.push_str("\r\n");
    }
    message.push_str(".\r\n");
    command(&mut write, &mut read, &message, 250).await?;
    let _ = write.write_all(b"QUIT\r\n").await;
    Ok(())
}

async fn command(
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    text: &str,
    code: u16,
) -> Result<(), String> {
    write
        .write_all(text.as_bytes())
        .await
        .map_err(|e| format!("SMTP write: {e}"))?;
    expect(read, code).await
}

/// Reads one (possibly multi-line) reply and checks its code.
async fn expect(
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    code: u16,
) -> Result<(), String> {
    loop {
        let mut line = String::new();
        let n = read
            .read_line(&mut line)
            .await
            .map_err(|e| format!("SMTP read: {e}"))?;
        if n == 0 {
            return Err("SMTP relay closed the connection".into());
        }
        let got: u16 = line
            .get(..3)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| "malformed SMTP reply".to_owned())?;
        if line.as_bytes().get(3) == Some(&b'-') {
            continue;
        }
        if got != code {
            return Err(format!("SMTP relay answered {got} (expected {code})"));
        }
        return Ok(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_signatures() {
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(
            rfc2822(1_700_000_000_000),
            "Tue, 14 Nov 2023 22:13:20 +0000"
        );
        // RFC 4231 test case 2 style check: stable output for a known key and message.
        assert_eq!(sign("key", "1", b"body").len(), 64);
    }
}
