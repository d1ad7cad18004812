//! The local callback, so a person can watch the whole flow in their own browser:
//! `POST /local/authorize-url` (what `just sign-in` prints) makes a PKCE verifier and a
//! state and answers the authorize URL; `/local/callback` exchanges the code with that
//! verifier and shows the ID token's claims and `GET /users/me` made with it. Served only
//! for an app client that registers `http://localhost:{port}/local/callback`, which the
//! local stack's Terraform variables add (never production's defaults).

use super::HostedUi;
use super::authorize::with_query;
use super::grants::random_token;
use super::token::{TokenRequest, claims, exchange, s256};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, Full};
use maud::html;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Flows started by `authorize_url`, by state: the verifier and where the code goes.
#[derive(Default)]
pub struct Started(Mutex<HashMap<String, (Flow, Instant)>>);

#[derive(Clone)]
struct Flow {
    client_id: String,
    redirect_uri: String,
    verifier: String,
}

const FLOW_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// The local callback an app client registers: `http://localhost:{port}/local/callback`.
/// Its port is the Hosted UI's under `just up`; the tests' stacks take any free port and
/// follow the redirect to the registered one by hand.
fn is_local_callback(url: &str) -> bool {
    url.strip_prefix("http://localhost:")
        .and_then(|rest| rest.strip_suffix("/local/callback"))
        .is_some_and(|port| port.parse::<u16>().is_ok())
}

pub async fn authorize_url(State(ui): State<Arc<HostedUi>>) -> Response {
    let registered = ui.front.applied.app_clients.iter().find_map(|c| {
        let url = c.callback_urls.iter().find(|u| is_local_callback(u))?;
        Some((c, url.clone()))
    });
    let Some((client, redirect_uri)) = registered else {
        let message = "No app client registers http://localhost:<port>/local/callback as a callback URL: the local stack's Terraform variables add it (`just prepare-terraform-emulator`); production's never do.\n";
        return (StatusCode::NOT_FOUND, message).into_response();
    };
    let (Some(state), Some(verifier), Some(nonce)) =
        (random_token(), random_token(), random_token())
    else {
        return (StatusCode::SERVICE_UNAVAILABLE, "no randomness\n").into_response();
    };
    let url = with_query(
        &format!("{}/oauth2/authorize", ui.url),
        &[
            ("response_type", "code".to_string()),
            ("client_id", client.id.clone()),
            ("redirect_uri", redirect_uri.clone()),
            (
                "scope",
                client
                    .oauth_scopes
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            ("state", state.clone()),
            ("nonce", nonce),
            ("code_challenge", s256(&verifier)),
            ("code_challenge_method", "S256".to_string()),
        ],
    );
    if let Ok(mut started) = ui.callback.0.lock() {
        let now = Instant::now();
        started.retain(|_, (_, expires)| *expires > now);
        let flow = Flow {
            client_id: client.id.clone(),
            redirect_uri,
            verifier,
        };
        started.insert(state, (flow, now + FLOW_LIFETIME));
    }
    (StatusCode::OK, format!("{url}\n")).into_response()
}

#[derive(Debug, Deserialize)]
pub struct Returned {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn page(status: StatusCode, title: &str, body: maud::Markup) -> Response {
    let markup = html! {
        (maud::DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { (title) } }
            body { main { h1 { (title) } (body) } }
        }
    };
    (status, markup).into_response()
}

pub async fn callback(
    State(ui): State<Arc<HostedUi>>,
    query: Result<Query<Returned>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(returned)) = query else {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            html! { p role="alert" { "The query string is malformed." } },
        );
    };
    if let Some(error) = &returned.error {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            html! {
                p role="alert" { "The Hosted UI answered " code { (error) } ": " (returned.error_description.as_deref().unwrap_or_default()) }
            },
        );
    }
    let flow = returned.state.as_deref().and_then(|state| {
        let mut started = ui.callback.0.lock().ok()?;
        started
            .remove(state)
            .filter(|(_, expires)| *expires > Instant::now())
            .map(|(flow, _)| flow)
    });
    let Some(flow) = flow else {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            html! {
                p role="alert" { "This state was not started here, or was already used: run " code { "just sign-in" } " for a new URL." }
            },
        );
    };
    let form = TokenRequest {
        grant_type: Some("authorization_code".into()),
        client_id: Some(flow.client_id),
        code: returned.code,
        redirect_uri: Some(flow.redirect_uri),
        code_verifier: Some(flow.verifier),
        ..TokenRequest::default()
    };
    let tokens = match exchange(&ui, &HeaderMap::new(), &form).await {
        Ok(tokens) => tokens,
        Err(error) => {
            return page(
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                html! {
                    p role="alert" { "The token endpoint answered " code { (error.error) } ": " (error.description) }
                },
            );
        }
    };
    let id_token = tokens["id_token"].as_str().unwrap_or_default();
    let id_claims = claims(id_token).unwrap_or_default();
    let (status, profile) = users_me(&ui.api_url, id_token).await;
    page(
        StatusCode::OK,
        "Signed in",
        html! {
            h2 { "The ID token's claims" }
            pre #claims { (serde_json::to_string_pretty(&id_claims).unwrap_or_default()) }
            h2 { "GET /users/me with it: " span #status { (status) } }
            pre #profile { (profile) }
        },
    )
}

/// `GET {api_url}/users/me` with the ID token, as an app would call it.
async fn users_me(api_url: &str, id_token: &str) -> (u16, String) {
    let request = hyper::Request::builder()
        .uri(format!("{api_url}/users/me"))
        .header("authorization", id_token)
        .body(Full::new(bytes::Bytes::new()));
    let Ok(request) = request else {
        return (0, "the request could not be built".into());
    };
    match crate::http::client().request(request).await {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let pretty = serde_json::from_slice::<serde_json::Value>(&body)
                .and_then(|v| serde_json::to_string_pretty(&v))
                .unwrap_or_else(|_| String::from_utf8_lossy(&body).into_owned());
            (status, pretty)
        }
        Err(e) => (0, format!("the REST API did not answer: {e}")),
    }
}

pub async fn signed_out() -> Response {
    page(
        StatusCode::OK,
        "Signed out",
        html! { p { "The Hosted UI session has ended. Run " code { "just sign-in" } " to sign in again." } },
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::is_local_callback;

    #[test]
    fn only_a_localhost_local_callback_is_the_runners() {
        assert!(is_local_callback("http://localhost:8976/local/callback"));
        for other in [
            "https://localhost:8976/local/callback",
            "http://localhost/local/callback",
            "http://localhost:8976/local/callback/x",
            "http://evil.example:8976/local/callback",
            "healthtech://auth/callback",
        ] {
            assert!(!is_local_callback(other), "{other}");
        }
    }
}
