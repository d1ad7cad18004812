//! Requests signed as the SDKs sign them (with `aws-sigv4`'s client side), then changed as
//! an attacker or a broken client would change them.

use super::*;
use crate::iam::Identities;
use aws_sigv4::http_request::{PayloadChecksumKind, SigningSettings};

const REGION: &str = "us-east-1";
const ENDPOINT: &str = "http://127.0.0.1:4566";

fn stack() -> StackCredentials {
    StackCredentials {
        access_key_id: "AKIASTACKKEY0000001".into(),
        secret_access_key: "stack-secret-0123456789012345678901234567".into(),
    }
}

fn now() -> SystemTime {
    SystemTime::now()
}

/// A request as an SDK sends it: `headers` plus what signing adds, signed by `key`/`secret`
/// for `service` at `time`.
struct Call<'a> {
    method: &'a str,
    path: &'a str,
    headers: Vec<(&'a str, String)>,
    body: &'a [u8],
    service: &'a str,
    key: &'a str,
    secret: &'a str,
    time: SystemTime,
    presign: Option<Duration>,
}

impl<'a> Call<'a> {
    fn json(operation_target: &str) -> Call<'a> {
        let stack = Box::leak(Box::new(stack()));
        Call {
            method: "POST",
            path: "/",
            headers: vec![
                ("content-type", "application/x-amz-json-1.1".into()),
                ("x-amz-target", operation_target.to_string()),
            ],
            body: b"{\"UserPoolId\":\"us-east-1_abc\",\"Username\":\"u\"}",
            service: "cognito-idp",
            key: &stack.access_key_id,
            secret: &stack.secret_access_key,
            time: now(),
            presign: None,
        }
    }

    fn s3(method: &'a str, path: &'a str, body: &'a [u8]) -> Call<'a> {
        Call {
            headers: Vec::new(),
            service: "s3",
            method,
            path,
            body,
            ..Call::json("")
        }
    }

    fn parts(&self) -> Parts {
        let mut request = hyper::Request::builder()
            .method(self.method)
            .uri(format!("{ENDPOINT}{}", self.path))
            .header("host", "127.0.0.1:4566");
        for (name, value) in &self.headers {
            if !value.is_empty() {
                request = request.header(*name, value);
            }
        }
        let mut request = request.body(()).unwrap();
        let mut settings = SigningSettings::default();
        if self.service == "s3" {
            settings.percent_encoding_mode = PercentEncodingMode::Single;
            settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        if let Some(expires) = self.presign {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(expires);
        }
        let identity =
            aws_credential_types::Credentials::new(self.key, self.secret, None, None, "test")
                .into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(REGION)
            .name(self.service)
            .time(self.time)
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let body = if self.presign.is_some() {
            SignableBody::UnsignedPayload
        } else {
            SignableBody::Bytes(self.body)
        };
        let uri = request.uri().to_string();
        let signable = SignableRequest::new(
            self.method,
            uri,
            request
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str(), v.to_str().unwrap())),
            body,
        )
        .unwrap();
        let (instructions, _) = sign(signable, &params).unwrap().into_parts();
        instructions.apply_to_request_http1x(&mut request);
        request.into_parts().0
    }

    fn verify(&self) -> Result<Option<String>, Refusal> {
        self.verify_parts(&self.parts())
    }

    fn verify_parts(&self, parts: &Parts) -> Result<Option<String>, Refusal> {
        verify(
            &stack(),
            &Identities::default(),
            REGION,
            parts,
            &Bytes::copy_from_slice(self.body),
            now(),
        )
    }
}

const ADMIN_GET_USER: &str = "AWSCognitoIdentityProviderService.AdminGetUser";

#[test]
fn a_call_signed_with_the_stacks_credentials_passes() {
    assert_eq!(
        Call::json(ADMIN_GET_USER).verify(),
        Ok(Some(stack().access_key_id))
    );
    let put = Call::s3("PUT", "/bucket/users/a%20b/p.jpg", b"picture");
    assert_eq!(put.verify(), Ok(Some(stack().access_key_id)));
}

#[test]
fn an_unsigned_admin_call_is_missing_its_token_but_a_public_operation_is_not() {
    let unsigned = |target: &str| {
        let mut parts = Call::json(target).parts();
        parts.headers.remove("authorization");
        verify(
            &stack(),
            &Identities::default(),
            REGION,
            &parts,
            &Bytes::new(),
            now(),
        )
    };
    assert_eq!(unsigned(ADMIN_GET_USER), Err(Refusal::Missing));
    assert_eq!(unsigned("DynamoDB_20120810.GetItem"), Err(Refusal::Missing));
    for public in ["SignUp", "InitiateAuth", "GetUser", "RevokeToken"] {
        assert_eq!(
            unsigned(&format!("AWSCognitoIdentityProviderService.{public}")),
            Ok(None),
            "{public}"
        );
    }
}

#[test]
fn an_unknown_key_is_unrecognized_even_on_a_public_operation() {
    for target in [
        ADMIN_GET_USER,
        "AWSCognitoIdentityProviderService.InitiateAuth",
    ] {
        let call = Call {
            key: "AKIAUNKNOWN00000000",
            ..Call::json(target)
        };
        assert_eq!(
            call.verify(),
            Err(Refusal::UnknownKey("AKIAUNKNOWN00000000".into()))
        );
    }
}

#[test]
fn a_wrong_secret_or_a_changed_request_does_not_match() {
    let wrong_secret = Call {
        secret: "not-the-secret",
        ..Call::json(ADMIN_GET_USER)
    };
    assert_eq!(wrong_secret.verify(), Err(Refusal::Mismatch));

    let call = Call::json(ADMIN_GET_USER);
    let parts = call.parts();
    let other_body = Call {
        body: b"{\"UserPoolId\":\"us-east-1_abc\",\"Username\":\"admin\"}",
        ..Call::json(ADMIN_GET_USER)
    };
    assert_eq!(
        other_body.verify_parts(&parts),
        Err(Refusal::Mismatch),
        "the body is signed"
    );
    let mut retargeted = parts.clone();
    retargeted.headers.insert(
        "x-amz-target",
        "AWSCognitoIdentityProviderService.AdminDeleteUser"
            .parse()
            .unwrap(),
    );
    assert_eq!(call.verify_parts(&retargeted), Err(Refusal::Mismatch));
}

#[test]
fn a_signature_for_another_region_or_service_is_refused() {
    let mut parts = Call::json(ADMIN_GET_USER).parts();
    let header = parts.headers["authorization"].to_str().unwrap().to_string();
    parts.headers.insert(
        "authorization",
        header
            .replace("/us-east-1/", "/eu-west-1/")
            .parse()
            .unwrap(),
    );
    assert!(matches!(
        Call::json(ADMIN_GET_USER).verify_parts(&parts),
        Err(Refusal::WrongScope(_))
    ));
    let dynamodb_scope = Call {
        service: "dynamodb",
        ..Call::json(ADMIN_GET_USER)
    };
    assert!(matches!(
        dynamodb_scope.verify(),
        Err(Refusal::WrongScope(_))
    ));
}

#[test]
fn a_date_beyond_fifteen_minutes_is_refused() {
    let at = |offset: i64| Call {
        time: if offset >= 0 {
            now() + Duration::from_secs(offset.unsigned_abs())
        } else {
            now() - Duration::from_secs(offset.unsigned_abs())
        },
        ..Call::json(ADMIN_GET_USER)
    };
    assert!(at(-14 * 60).verify().is_ok());
    assert!(at(14 * 60).verify().is_ok());
    assert!(matches!(at(-16 * 60).verify(), Err(Refusal::Skewed(..))));
    assert!(matches!(at(16 * 60).verify(), Err(Refusal::Skewed(..))));
}

#[test]
fn a_malformed_authorization_is_incomplete() {
    let mut parts = Call::json(ADMIN_GET_USER).parts();
    for bad in [
        "AWS4-HMAC-SHA256 Credential=AKIASTACKKEY0000001/20240101/us-east-1/cognito-idp/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKIASTACKKEY0000001, SignedHeaders=host, Signature=00",
        "AWS AKIASTACKKEY0000001:abc",
        "AWS4-HMAC-SHA256 Credential=AKIASTACKKEY0000001/20240101/us-east-1/cognito-idp/aws4_request, SignedHeaders=x-amz-date, Signature=00",
    ] {
        parts.headers.insert("authorization", bad.parse().unwrap());
        assert!(
            matches!(
                Call::json(ADMIN_GET_USER).verify_parts(&parts),
                Err(Refusal::Malformed(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn a_presigned_url_passes_until_it_expires_and_only_for_its_own_request() {
    let presigned = Call {
        presign: Some(Duration::from_secs(300)),
        ..Call::s3("PUT", "/bucket/users/u/p.jpg", b"")
    };
    assert_eq!(presigned.verify(), Ok(Some(stack().access_key_id)));

    let expired = Call {
        time: now() - Duration::from_secs(301),
        ..presigned
    };
    let expired = Call {
        presign: Some(Duration::from_secs(300)),
        ..expired
    };
    assert_eq!(expired.verify(), Err(Refusal::Expired));

    let parts = Call {
        presign: Some(Duration::from_secs(300)),
        ..Call::s3("PUT", "/bucket/users/u/p.jpg", b"")
    }
    .parts();
    let mut elsewhere = parts.clone();
    elsewhere.uri = parts
        .uri
        .to_string()
        .replace("/users/u/", "/users/other/")
        .parse()
        .unwrap();
    assert_eq!(
        Call::s3("PUT", "/", b"").verify_parts(&elsewhere),
        Err(Refusal::Mismatch),
        "the key is signed"
    );
}

#[test]
fn a_body_that_is_not_the_one_hashed_is_refused() {
    let call = Call::s3("PUT", "/bucket/k", b"signed bytes");
    let parts = call.parts();
    let swapped = Call::s3("PUT", "/bucket/k", b"other bytes");
    assert_eq!(swapped.verify_parts(&parts), Err(Refusal::ContentMismatch));
}

#[test]
fn refusals_are_the_services_own_errors() {
    let code = |refusal: Refusal, service: Service| {
        let response = refusal.into_response(service, false);
        (
            response.status().as_u16(),
            response
                .headers()
                .get("x-amzn-errortype")
                .map(|v| v.to_str().unwrap().to_string()),
        )
    };
    assert_eq!(
        code(Refusal::Missing, Service::Cognito),
        (400, Some("MissingAuthenticationTokenException".into()))
    );
    assert_eq!(
        code(Refusal::UnknownKey("k".into()), Service::DynamoDb),
        (400, Some("UnrecognizedClientException".into()))
    );
    assert_eq!(
        code(Refusal::Mismatch, Service::Lambda),
        (403, Some("InvalidSignatureException".into()))
    );
    assert_eq!(code(Refusal::Mismatch, Service::S3), (403, None));
    assert_eq!(
        code(Refusal::Malformed("x".into()), Service::Cognito),
        (400, Some("IncompleteSignatureException".into()))
    );
}
