//! Presigned uploads against s3s-fs, which verifies SigV4 as S3 does: the URL uploads
//! exactly the declared bytes, and anything else is refused.

use std::time::Duration;

use adapters::S3Pictures;
use domain::UserId;
use domain::fields::{ImageType, PictureKey};
use domain::ports::{PictureStore, PresignedUpload};
use test_support::emulator::{self, signature_checking_s3};
use test_support::http;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n-a-tiny-picture";

async fn pictures() -> S3Pictures {
    let sdk = emulator::sdk_config(signature_checking_s3(), emulator::SETUP).await;
    let bucket = emulator::create_bucket(&sdk).await;
    S3Pictures::new(&sdk, bucket, true)
}

/// A fresh key per call: the tests share one s3s-fs.
fn key() -> PictureKey {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let owner = UserId::parse("00000000-0000-4000-8000-000000000001").unwrap();
    let unique = format!("{:08x}-0000-4000-8000-{n:012x}", std::process::id());
    PictureKey::mint(&owner, ImageType::Png, &unique).unwrap()
}

/// The upload's headers with `name` replaced by `value`.
fn headers_with<'a>(
    upload: &'a PresignedUpload,
    name: &str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    upload
        .headers
        .iter()
        .map(|(n, v)| {
            if n.eq_ignore_ascii_case(name) {
                (n.as_str(), value)
            } else {
                (n.as_str(), v.as_str())
            }
        })
        .collect()
}

async fn put(upload: &PresignedUpload, headers: &[(&str, &str)], body: &[u8]) -> u16 {
    http::send("PUT", &upload.url, headers, body).await.0
}

#[tokio::test]
async fn the_url_uploads_exactly_the_declared_picture() {
    let pictures = pictures().await;
    let key = key();
    let upload = pictures
        .presign_upload(&key, PNG.len() as u64, Duration::from_secs(60))
        .await
        .unwrap();
    let length = PNG.len().to_string();

    assert_eq!(
        put(
            &upload,
            &headers_with(&upload, "content-length", &length),
            PNG
        )
        .await,
        200
    );
    assert_eq!(
        pictures.describe(&key).await.unwrap().map(|p| p.size),
        Some(PNG.len() as u64)
    );
}

#[tokio::test]
async fn another_content_type_is_refused() {
    let pictures = pictures().await;
    let upload = pictures
        .presign_upload(&key(), PNG.len() as u64, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        put(
            &upload,
            &headers_with(&upload, "content-type", "text/html"),
            PNG
        )
        .await,
        403
    );
}

#[tokio::test]
async fn another_length_is_refused() {
    let pictures = pictures().await;
    let upload = pictures
        .presign_upload(&key(), PNG.len() as u64, Duration::from_secs(60))
        .await
        .unwrap();
    let bigger = [PNG, b"+more bytes than declared"].concat();
    let length = bigger.len().to_string();
    assert_eq!(
        put(
            &upload,
            &headers_with(&upload, "content-length", &length),
            &bigger
        )
        .await,
        403
    );
}

#[tokio::test]
async fn a_tampered_signature_is_refused() {
    let pictures = pictures().await;
    let mut upload = pictures
        .presign_upload(&key(), PNG.len() as u64, Duration::from_secs(60))
        .await
        .unwrap();
    let at = upload.url.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
    let flipped = if &upload.url[at..at + 1] == "0" {
        "1"
    } else {
        "0"
    };
    upload.url.replace_range(at..at + 1, flipped);
    let length = PNG.len().to_string();
    assert_eq!(
        put(
            &upload,
            &headers_with(&upload, "content-length", &length),
            PNG
        )
        .await,
        403
    );
}

#[tokio::test]
async fn an_expired_url_is_refused() {
    let pictures = pictures().await;
    let upload = pictures
        .presign_upload(&key(), PNG.len() as u64, Duration::from_secs(1))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let length = PNG.len().to_string();
    assert_eq!(
        put(
            &upload,
            &headers_with(&upload, "content-length", &length),
            PNG
        )
        .await,
        403
    );
}
