use std::time::{Duration, SystemTime};

use aws_sdk_s3::Client;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::head_object::HeadObjectError;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::types::{Delete, ObjectIdentifier, Tag, Tagging};
use chrono::{DateTime, Utc};
use domain::UserId;
use domain::fields::PictureKey;
use domain::ports::{PictureStore, PortError, PresignedUpload, StoredPicture};

use crate::aws::port_error;

const PICTURES: &str = "picture store";

/// S3 lists and deletes at most 1,000 keys per call: one page, one batch.
const PAGE: i32 = 1000;

/// The object tag the bucket's lifecycle rule expires pictures by (`terraform/modules/
/// picture-bucket`): every upload starts `unattached`; attaching it to a profile claims it.
pub const PICTURE_TAG: &str = "picture";
const UNATTACHED: &str = "unattached";
const ATTACHED: &str = "attached";

/// Profile pictures in S3, uploaded and fetched by clients through presigned URLs.
#[derive(Clone)]
pub struct S3Pictures {
    client: Client,
    bucket: String,
}

fn presigning(expires_in: Duration) -> Result<PresigningConfig, PortError> {
    PresigningConfig::expires_in(expires_in)
        .map_err(|_| PortError::Failed(PICTURES, "invalid URL lifetime".to_owned()))
}

/// The lower-case header names a presigned URL's `X-Amz-SignedHeaders` lists.
fn signed_headers(url: &str) -> Vec<String> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("X-Amz-SignedHeaders="))
        .map(|list| {
            list.split("%3B")
                .flat_map(|part| part.split(';'))
                .map(str::to_ascii_lowercase)
                .collect()
        })
        .unwrap_or_default()
}

impl S3Pictures {
    /// Replaces the object's tags with `picture=<state>`.
    async fn tag(&self, key: &PictureKey, state: &str) -> Result<(), PortError> {
        let tag = Tag::builder()
            .key(PICTURE_TAG)
            .value(state)
            .build()
            .map_err(|_| PortError::Failed(PICTURES, "tag could not be built".to_owned()))?;
        let tagging = Tagging::builder()
            .tag_set(tag)
            .build()
            .map_err(|_| PortError::Failed(PICTURES, "tag could not be built".to_owned()))?;
        self.client
            .put_object_tagging()
            .bucket(&self.bucket)
            .key(key.as_str())
            .tagging(tagging)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| port_error(PICTURES, &e))
    }

    /// `force_path_style` is for emulators that do not serve bucket sub-domains.
    pub fn new(
        sdk: &aws_config::SdkConfig,
        bucket: impl Into<String>,
        force_path_style: bool,
    ) -> Self {
        let config = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(force_path_style)
            .build();
        Self {
            client: Client::from_conf(config),
            bucket: bucket.into(),
        }
    }
}

impl PictureStore for S3Pictures {
    async fn presign_upload(
        &self,
        key: &PictureKey,
        content_length: u64,
        expires_in: Duration,
    ) -> Result<PresignedUpload, PortError> {
        let content_type = key.image_type().content_type();
        let length = i64::try_from(content_length)
            .map_err(|_| PortError::Failed(PICTURES, "size too large".to_owned()))?;
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
            .content_length(length)
            .tagging(format!("{PICTURE_TAG}={UNATTACHED}"))
            .presigned(presigning(expires_in)?)
            .await
            .map_err(|e| port_error(PICTURES, &e))?;
        let expires_at = DateTime::<Utc>::from(SystemTime::now() + expires_in);
        // Exactly the headers the signature covers, which the client must send back;
        // `host` is implied by the URL. Others the SDK adds (a trace id) are not the client's business.
        let signed = signed_headers(request.uri());
        let headers = request
            .headers()
            .filter(|(name, _)| {
                !name.eq_ignore_ascii_case("host") && signed.contains(&name.to_ascii_lowercase())
            })
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        Ok(PresignedUpload {
            url: request.uri().to_owned(),
            headers,
            expires_at,
        })
    }

    async fn presign_download(
        &self,
        key: &PictureKey,
        expires_in: Duration,
    ) -> Result<String, PortError> {
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .presigned(presigning(expires_in)?)
            .await
            .map_err(|e| port_error(PICTURES, &e))?;
        Ok(request.uri().to_owned())
    }

    async fn describe(&self, key: &PictureKey) -> Result<Option<StoredPicture>, PortError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
        {
            Ok(head) => Ok(Some(StoredPicture {
                content_type: head.content_type().map(str::to_owned),
                size: head
                    .content_length()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0),
            })),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), HeadObjectError::NotFound(_)) => {
                Ok(None)
            }
            // S3 hides a missing key behind 403 from a role without s3:ListBucket: a
            // configuration fault, never to be taken for "not uploaded".
            Err(SdkError::ServiceError(e)) if e.raw().status().as_u16() == 403 => Err(
                PortError::Failed(
                    PICTURES,
                    "HeadObject refused (403): the role needs s3:GetObject on the objects and s3:ListBucket on the bucket".to_owned(),
                ),
            ),
            Err(e) => Err(port_error(PICTURES, &e)),
        }
    }

    async fn claim(&self, key: &PictureKey) -> Result<(), PortError> {
        self.tag(key, ATTACHED).await
    }

    async fn release(&self, key: &PictureKey) -> Result<(), PortError> {
        self.tag(key, UNATTACHED).await
    }

    async fn delete_all(&self, owner: &UserId) -> Result<u64, PortError> {
        let prefix = PictureKey::prefix_of(owner);
        let mut deleted = 0;
        // Each page is deleted before the next listing, so every listing starts from the
        // top (no marker can point at a version already gone) until one finds nothing.
        loop {
            let page = self
                .client
                .list_object_versions()
                .bucket(&self.bucket)
                .prefix(&prefix)
                .max_keys(PAGE)
                .send()
                .await
                .map_err(|e| port_error(PICTURES, &e))?;
            let versions = page.versions().iter().map(|v| (v.key(), v.version_id()));
            let markers = page
                .delete_markers()
                .iter()
                .map(|m| (m.key(), m.version_id()));
            let objects = versions
                .chain(markers)
                .filter_map(|(key, version)| {
                    ObjectIdentifier::builder()
                        .key(key?)
                        .set_version_id(version.map(str::to_owned))
                        .build()
                        .ok()
                })
                .collect::<Vec<_>>();
            if objects.is_empty() {
                return Ok(deleted);
            }
            let count = objects.len() as u64;
            let batch = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|_| {
                    PortError::Failed(PICTURES, "delete batch could not be built".to_owned())
                })?;
            let output = self
                .client
                .delete_objects()
                .bucket(&self.bucket)
                .delete(batch)
                .send()
                .await
                .map_err(|e| port_error(PICTURES, &e))?;
            // Only codes: an error's key names the user.
            if let Some(failed) = output.errors().first() {
                let code = failed.code().unwrap_or("unknown").to_owned();
                return Err(if code == "SlowDown" || code == "InternalError" {
                    PortError::Unavailable(PICTURES, code)
                } else {
                    PortError::Failed(PICTURES, code)
                });
            }
            deleted += count;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::signed_headers;

    #[test]
    fn reads_the_signed_header_list_from_a_presigned_url() {
        let url = "https://b.s3.amazonaws.com/k.png?X-Amz-Algorithm=AWS4-HMAC-SHA256\
                   &X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&X-Amz-Signature=abc";
        assert_eq!(
            signed_headers(url),
            ["content-length", "content-type", "host"]
        );
        assert!(signed_headers("https://b.s3.amazonaws.com/k.png").is_empty());
    }
}
