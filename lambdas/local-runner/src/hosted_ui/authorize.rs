//! `/oauth2/authorize` and the checks every page repeats on the parameters it carries:
//! the client and its exact callback URL first (until both hold, nothing is redirected
//! to, an error page answers), then the response type, scopes and PKCE (refused by an
//! `error` redirect to that registered URL, with `state`).

use super::grants::{Grant, Session};
use super::{HostedUi, found, pages};
use crate::applied::{AppClient, Applied};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "cognito";
/// The OIDC scopes that mean something only with `openid`.
const OPENID_ONLY: [&str; 3] = ["email", "phone", "profile"];

/// The authorize parameters, as `/oauth2/authorize` takes them and every page passes
/// them on in its query string (plus the user a confirmation page is for).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Params {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_challenge_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

impl Params {
    /// The query string a page's links and form actions carry.
    pub fn query(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }

    pub fn for_user(&self, username: &str) -> Params {
        Params {
            username: Some(username.to_string()),
            ..self.clone()
        }
    }

    pub fn without_user(&self) -> Params {
        Params {
            username: None,
            ..self.clone()
        }
    }
}

/// A request that passed every check.
#[derive(Debug, Clone)]
pub struct Checked {
    pub client: AppClient,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub scope: String,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
}

#[derive(Debug)]
pub enum Invalid {
    /// No registered redirect URI to send it to: an error page.
    Page(String),
    /// Cognito's `error` redirect to the registered URI.
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: String,
        state: Option<String>,
    },
}

impl IntoResponse for Invalid {
    fn into_response(self) -> Response {
        match self {
            Invalid::Page(message) => {
                (StatusCode::BAD_REQUEST, pages::error_page(&message)).into_response()
            }
            Invalid::Redirect {
                redirect_uri,
                error,
                description,
                state,
            } => {
                let mut pairs = vec![("error", error.to_string())];
                pairs.push(("error_description", description));
                if let Some(state) = state {
                    pairs.push(("state", state));
                }
                found(&with_query(&redirect_uri, &pairs)).into_response()
            }
        }
    }
}

/// `uri` with `pairs` added to its query string.
pub fn with_query(uri: &str, pairs: &[(&str, String)]) -> String {
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    let separator = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{separator}{query}")
}

pub fn check(applied: &Applied, params: &Params) -> Result<Checked, Invalid> {
    let client = params
        .client_id
        .as_deref()
        .and_then(|id| applied.client(id))
        .ok_or_else(|| Invalid::Page("The client_id is missing or names no app client.".into()))?;
    let redirect_uri = params
        .redirect_uri
        .as_deref()
        .filter(|uri| client.callback_urls.iter().any(|c| c == uri))
        .ok_or_else(|| {
            Invalid::Page(
                "redirect_mismatch: the redirect_uri is not a callback URL of this app client."
                    .into(),
            )
        })?
        .to_string();
    let refuse = |error, description: &str| Invalid::Redirect {
        redirect_uri: redirect_uri.clone(),
        error,
        description: description.to_string(),
        state: params.state.clone(),
    };
    match params.response_type.as_deref() {
        None => return Err(refuse("invalid_request", "response_type is missing")),
        Some("code") if client.oauth_flows.contains("code") => {}
        Some("token") if client.oauth_flows.contains("implicit") => {
            return Err(refuse(
                "unsupported_response_type",
                "the local Hosted UI serves the code flow only",
            ));
        }
        Some("code" | "token") => {
            return Err(refuse(
                "unauthorized_client",
                "this app client may not use that response_type",
            ));
        }
        Some(_) => {
            return Err(refuse(
                "unsupported_response_type",
                "response_type must be code",
            ));
        }
    }
    let asked: Vec<&str> = params
        .scope
        .as_deref()
        .unwrap_or_default()
        .split([' ', '+'])
        .filter(|s| !s.is_empty())
        .collect();
    if let Some(unknown) = asked.iter().find(|s| !client.oauth_scopes.contains(**s)) {
        return Err(refuse(
            "invalid_scope",
            &format!("{unknown} is not a scope this app client allows"),
        ));
    }
    // Cognito's developer guide (scopes): email, phone and profile "can only be requested
    // with the openid scope"; without it, invalid_scope.
    if let Some(oidc) = asked
        .iter()
        .find(|s| OPENID_ONLY.contains(*s) && !asked.contains(&"openid"))
    {
        return Err(refuse(
            "invalid_scope",
            &format!("{oidc} may only be requested with openid"),
        ));
    }
    // No scope asked: every scope the client allows, as Cognito grants.
    let scope = if asked.is_empty() {
        client
            .oauth_scopes
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        asked.join(" ")
    };
    let code_challenge = match (
        params.code_challenge.as_deref(),
        params.code_challenge_method.as_deref(),
    ) {
        (None, None) => None,
        (Some(challenge), Some("S256")) if is_s256_challenge(challenge) => {
            Some(challenge.to_string())
        }
        (Some(_), Some("S256")) => {
            return Err(refuse(
                "invalid_request",
                "code_challenge must be 43 base64url characters (SHA-256)",
            ));
        }
        (Some(_), _) | (None, Some(_)) => {
            return Err(refuse(
                "invalid_request",
                "PKCE needs code_challenge with code_challenge_method S256",
            ));
        }
    };
    Ok(Checked {
        client: client.clone(),
        redirect_uri,
        state: params.state.clone(),
        scope,
        code_challenge,
        nonce: params.nonce.clone(),
    })
}

fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The parameters a page got, or the page that says what is wrong with them.
pub fn parse(
    query: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Params, Invalid> {
    query.map(|Query(params)| params).map_err(|_| {
        Invalid::Page(
            "The query string is malformed (a parameter is repeated or not URL-encoded).".into(),
        )
    })
}

pub async fn authorize(
    State(ui): State<Arc<HostedUi>>,
    jar: CookieJar,
    query: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let params = match parse(query) {
        Ok(params) => params,
        Err(invalid) => return invalid.into_response(),
    };
    let checked = match check(&ui.front.applied, &params) {
        Ok(checked) => checked,
        Err(invalid) => return invalid.into_response(),
    };
    // Signed in already (in this pool): straight back with a code, as Cognito does.
    let cookie = jar.get(&ui.cookies.name(SESSION_COOKIE));
    let session = cookie
        .and_then(|c| ui.sessions.session(c.value()))
        .filter(|s| s.pool_id == checked.client.user_pool_id);
    let login = || found(&format!("/login?{}", params.without_user().query())).into_response();
    let Some(session) = session else {
        return login();
    };
    // A disabled (or deleted) user cannot sign in on any path, the session included:
    // the session ends and the sign-in page, which says "User is disabled.", answers.
    match ui
        .front
        .moto
        .stored_user(&session.pool_id, &session.username)
        .await
    {
        Ok(Some(user)) if user.enabled => redirect_with_code(&ui, &checked, &session.username),
        Ok(_) => {
            if let Some(cookie) = cookie {
                ui.sessions.close_session(cookie.value());
            }
            login()
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            pages::error_page("The user pool is not answering; try again."),
        )
            .into_response(),
    }
}

/// The end of every successful sign-in: a code for `username`, sent to the callback.
pub fn redirect_with_code(ui: &HostedUi, checked: &Checked, username: &str) -> Response {
    let grant = Grant {
        client_id: checked.client.id.clone(),
        pool_id: checked.client.user_pool_id.clone(),
        username: username.to_string(),
        redirect_uri: checked.redirect_uri.clone(),
        scope: checked.scope.clone(),
        code_challenge: checked.code_challenge.clone(),
        nonce: checked.nonce.clone(),
    };
    let Some(code) = ui.grants.issue_code(grant) else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            pages::error_page("No randomness for a code."),
        )
            .into_response();
    };
    let mut pairs = vec![("code", code)];
    if let Some(state) = &checked.state {
        pairs.push(("state", state.clone()));
    }
    found(&with_query(&checked.redirect_uri, &pairs)).into_response()
}

/// Signs the browser in (the session cookie) and sends it back with a code.
pub fn sign_in(ui: &HostedUi, jar: CookieJar, checked: &Checked, username: &str) -> Response {
    let session = Session {
        pool_id: checked.client.user_pool_id.clone(),
        username: username.to_string(),
    };
    match ui.sessions.open_session(session) {
        Some(id) => (
            jar.add(ui.cookies.cookie(SESSION_COOKIE, id)),
            redirect_with_code(ui, checked, username),
        )
            .into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            pages::error_page("No randomness for a session."),
        )
            .into_response(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn applied() -> Applied {
        Applied::parse(
            &serde_json::from_str(include_str!("../../tests/fixtures/applied.json")).unwrap(),
        )
        .unwrap()
    }

    fn params(applied: &Applied) -> Params {
        Params {
            client_id: Some(applied.app_clients[0].id.clone()),
            response_type: Some("code".into()),
            redirect_uri: Some("healthtech://auth/callback".into()),
            state: Some("s1".into()),
            ..Params::default()
        }
    }

    fn redirect_error(result: Result<Checked, Invalid>) -> &'static str {
        match result {
            Err(Invalid::Redirect { error, state, .. }) => {
                assert_eq!(state.as_deref(), Some("s1"));
                error
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_unregistered_redirect_uri_or_client_is_never_redirected_to() {
        let applied = applied();
        for bad in [
            Params {
                redirect_uri: Some("https://evil.example/cb".into()),
                ..params(&applied)
            },
            Params {
                redirect_uri: Some("healthtech://auth/callback/".into()),
                ..params(&applied)
            },
            Params {
                redirect_uri: None,
                ..params(&applied)
            },
            Params {
                client_id: Some("nope".into()),
                ..params(&applied)
            },
        ] {
            assert!(
                matches!(check(&applied, &bad), Err(Invalid::Page(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn scopes_are_the_clients_and_none_asked_means_all() {
        let applied = applied();
        let all = check(&applied, &params(&applied)).unwrap();
        assert_eq!(all.scope, "email openid profile");
        let some = Params {
            scope: Some("openid email".into()),
            ..params(&applied)
        };
        assert_eq!(check(&applied, &some).unwrap().scope, "openid email");
        let admin = Params {
            scope: Some("openid aws.cognito.signin.user.admin".into()),
            ..params(&applied)
        };
        assert_eq!(redirect_error(check(&applied, &admin)), "invalid_scope");
    }

    #[test]
    fn email_and_profile_need_openid() {
        let applied = applied();
        for scope in ["email", "profile", "email profile"] {
            let asked = Params {
                scope: Some(scope.into()),
                ..params(&applied)
            };
            assert_eq!(
                redirect_error(check(&applied, &asked)),
                "invalid_scope",
                "{scope}"
            );
        }
        let with_openid = Params {
            scope: Some("profile openid".into()),
            ..params(&applied)
        };
        assert_eq!(
            check(&applied, &with_openid).unwrap().scope,
            "profile openid"
        );
    }

    #[test]
    fn only_s256_pkce_and_the_code_flow_pass() {
        let applied = applied();
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_string();
        let s256 = Params {
            code_challenge: Some(challenge.clone()),
            code_challenge_method: Some("S256".into()),
            ..params(&applied)
        };
        assert_eq!(
            check(&applied, &s256).unwrap().code_challenge,
            Some(challenge.clone())
        );
        let plain = Params {
            code_challenge_method: Some("plain".into()),
            ..s256.clone()
        };
        assert_eq!(redirect_error(check(&applied, &plain)), "invalid_request");
        let no_method = Params {
            code_challenge_method: None,
            ..s256.clone()
        };
        assert_eq!(
            redirect_error(check(&applied, &no_method)),
            "invalid_request"
        );
        let short = Params {
            code_challenge: Some("abc".into()),
            ..s256
        };
        assert_eq!(redirect_error(check(&applied, &short)), "invalid_request");
        let token = Params {
            response_type: Some("token".into()),
            ..params(&applied)
        };
        assert_eq!(
            redirect_error(check(&applied, &token)),
            "unauthorized_client"
        );
        let other = Params {
            response_type: Some("id_token".into()),
            ..params(&applied)
        };
        assert_eq!(
            redirect_error(check(&applied, &other)),
            "unsupported_response_type"
        );
        let none = Params {
            response_type: None,
            ..params(&applied)
        };
        assert_eq!(redirect_error(check(&applied, &none)), "invalid_request");
    }

    #[test]
    fn redirects_add_to_the_uris_own_query() {
        assert_eq!(
            with_query("https://a/cb?x=1", &[("code", "c d".into())]),
            "https://a/cb?x=1&code=c+d"
        );
        assert_eq!(
            with_query("app://cb", &[("state", "&".into())]),
            "app://cb?state=%26"
        );
    }
}
