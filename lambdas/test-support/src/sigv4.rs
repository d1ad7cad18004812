//! SigV4 for the tests' hand-made requests (raw HTTP, or hyper's), as the SDKs sign theirs:
//! the local stack's front refuses an unsigned or wrongly signed call as AWS does.

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use std::time::SystemTime;

/// An access key pair and the region the calls are for.
#[derive(Clone, Debug)]
pub struct Signer {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub region: String,
}

impl Signer {
    /// The headers that sign `method url` with `headers` and `body` for `service`
    /// (`cognito-idp`, `dynamodb`, `lambda`, ...; S3 has its own rules, use its SDK),
    /// dated now: `x-amz-date` and `authorization`.
    pub fn headers(
        &self,
        service: &str,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Vec<(String, String)> {
        self.headers_at(service, method, url, headers, body, SystemTime::now())
    }

    /// As `headers`, dated `time`.
    pub fn headers_at(
        &self,
        service: &str,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        time: SystemTime,
    ) -> Vec<(String, String)> {
        let identity = aws_credential_types::Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            None,
            None,
            "tests",
        )
        .into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(service)
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .unwrap()
            .into();
        let request = SignableRequest::new(
            method,
            url,
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .unwrap();
        let (instructions, _) = sign(request, &params).unwrap().into_parts();
        instructions
            .headers()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    /// Signs a hyper request whose body is `body` in place.
    pub fn sign<B>(&self, service: &str, request: &mut hyper::Request<B>, body: &[u8]) {
        let url = request.uri().to_string();
        let method = request.method().to_string();
        let owned: Vec<(String, String)> = request
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let headers: Vec<(&str, &str)> = owned
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        for (name, value) in self.headers(service, &method, &url, &headers, body) {
            request.headers_mut().insert(
                hyper::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                hyper::header::HeaderValue::from_str(&value).unwrap(),
            );
        }
    }
}
