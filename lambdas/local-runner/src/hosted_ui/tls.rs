//! The Hosted UI over HTTPS on loopback. Amplify's `signInWithRedirect` builds
//! `https://{domain}/oauth2/authorize` and posts to `https://{domain}/oauth2/token`, with
//! no way to say http, so a web app signing in through Amplify needs this listener.
//!
//! The certificate is self-signed, for `localhost` and `127.0.0.1` only (never a CA: trusting
//! it lets nobody impersonate any other site), and kept in the TLS directory so that trust
//! given once survives `just down` and `just up`. It is issued anew when it is a year old,
//! before the 397 days browsers accept run out.

use axum::Router;
use chrono::{Datelike, Duration as Days, Utc};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

pub const CERTIFICATE_FILE: &str = "hosted-ui.pem";
const KEY_FILE: &str = "hosted-ui-key.pem";
const VALID_DAYS: i64 = 397;
const REISSUE_AFTER: Duration = Duration::from_secs(365 * 24 * 3600);

/// The server configuration for the certificate in `dir`, issued first if there is none
/// or it is due.
pub fn server_config(dir: &Path) -> Result<Arc<ServerConfig>, String> {
    let certificate_path = dir.join(CERTIFICATE_FILE);
    let key_path = dir.join(KEY_FILE);
    let age = std::fs::metadata(&certificate_path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|modified| modified.elapsed().ok());
    if age.is_none_or(|age| age >= REISSUE_AFTER) || !key_path.exists() {
        issue(dir, &certificate_path, &key_path)?;
    }
    let certificate = CertificateDer::from_pem_file(&certificate_path)
        .map_err(|e| format!("{}: {e}", certificate_path.display()))?;
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .map_err(|e| format!("{}: {e}", key_path.display()))?;
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(vec![certificate], key)
            .map_err(|e| format!("{}: {e}", certificate_path.display()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn issue(dir: &Path, certificate_path: &Path, key_path: &Path) -> Result<(), String> {
    use rcgen::{
        CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType,
    };
    let failed = |e: rcgen::Error| format!("issuing the Hosted UI's certificate: {e}");
    let key = KeyPair::generate().map_err(failed)?;
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).map_err(failed)?;
    params
        .subject_alt_names
        .push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost (local Hosted UI)");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let day =
        |d: chrono::DateTime<Utc>| rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8);
    let today = Utc::now();
    params.not_before = day(today - Days::days(1));
    params.not_after = day(today + Days::days(VALID_DAYS - 1));
    let certificate = params.self_signed(&key).map_err(failed)?;

    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    write_private(key_path, key.serialize_pem().as_bytes())?;
    std::fs::write(certificate_path, certificate.pem())
        .map_err(|e| format!("{}: {e}", certificate_path.display()))?;
    Ok(())
}

/// The key is readable by its owner only.
fn write_private(path: &Path, contents: &[u8]) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut file| file.write_all(contents))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Serves `router` over TLS on every connection `listener` accepts, until aborted.
pub async fn serve(listener: TcpListener, config: Arc<ServerConfig>, router: Router) {
    let acceptor = TlsAcceptor::from(config);
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let (acceptor, router) = (acceptor.clone(), router.clone());
        tokio::spawn(async move {
            // A browser that does not trust the certificate hangs up mid-handshake; a
            // client that never finishes one is dropped.
            let Ok(Ok(stream)) =
                tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await
            else {
                return;
            };
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(router))
                .await;
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_is_issued_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("tls-{}", uuid::Uuid::new_v4().simple()));
        server_config(&dir).unwrap();
        let first = std::fs::read_to_string(dir.join(CERTIFICATE_FILE)).unwrap();
        assert!(first.starts_with("-----BEGIN CERTIFICATE-----"), "{first}");
        let key_mode = std::fs::metadata(dir.join(KEY_FILE)).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(key_mode.permissions().mode() & 0o777, 0o600);

        server_config(&dir).unwrap();
        let second = std::fs::read_to_string(dir.join(CERTIFICATE_FILE)).unwrap();
        assert_eq!(first, second, "the trusted certificate stays");

        std::fs::remove_file(dir.join(KEY_FILE)).unwrap();
        server_config(&dir).unwrap();
        let third = std::fs::read_to_string(dir.join(CERTIFICATE_FILE)).unwrap();
        assert_ne!(first, third, "a certificate without its key is issued anew");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
