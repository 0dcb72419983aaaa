//! TLS with rustls (ring provider): certificate chain and key from PEM files, HTTP/1.1
//! over each accepted connection (served by [`crate::listen`]).

use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

use crate::config::TlsConfig;

pub fn acceptor(config: &TlsConfig) -> Result<TlsAcceptor, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&config.cert_pem)
        .map_err(|e| format!("reading {}: {e}", config.cert_pem.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("parsing {}: {e}", config.cert_pem.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{} holds no certificate",
            config.cert_pem.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&config.key_pem)
        .map_err(|e| format!("reading the private key {}: {e}", config.key_pem.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("TLS certificate/key: {e}"))?;
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(server)))
}
