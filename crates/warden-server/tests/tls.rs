//! HTTPS with rustls: the server serves the API over TLS with a PEM certificate and key.
//! The certificate is made by the `openssl` command, which `.ci/run` installs: under
//! `CI=true` a missing command fails the test; elsewhere it is skipped with a message.

mod common;

use common::*;
use warden_server::TlsConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https_with_a_pem_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    if !made.is_ok_and(|o| o.status.success()) {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("the openssl command is required under CI (apt-get install -y openssl)");
        }
        eprintln!("skipping the TLS test: the openssl command is not available");
        return;
    }
    let mut config = config(&dir.path().join("data"));
    config.tls = Some(TlsConfig {
        cert_pem: cert,
        key_pem: key,
    });
    let (server, base) = start(config).await;
    let https = base.replace("http://", "https://");
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let response = client
        .get(format!("{https}/api/v1/functions"))
        .bearer_auth(READ)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // Cookies issued over TLS are Secure.
    let raw = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = raw
        .post(format!("{https}/login"))
        .form(&[("token", READ)])
        .send()
        .await
        .unwrap();
    assert!(login
        .headers()
        .get_all("set-cookie")
        .iter()
        .all(|c| c.to_str().unwrap().contains("; Secure")));
    // Plain HTTP on the TLS port gets no answer.
    assert!(client
        .get(format!("{base}/api/v1/functions"))
        .bearer_auth(READ)
        .send()
        .await
        .is_err());
    server.stop().await;
}
