//! The Hosted UI's pages: plain server-rendered forms (no JavaScript), labelled, with
//! `autocomplete` hints, each guarded by a CSRF token (the `XSRF-TOKEN` cookie must match
//! the form's `_csrf`, as on Cognito; `__Host-XSRF-TOKEN` over HTTPS, see `Cookies`). maud
//! escapes everything they echo.

use super::authorize::{self, Checked, Invalid, Params, SESSION_COOKIE};
use super::grants::{Session, same};
use super::{HostedUi, found};
use crate::aws_front::cognito_call;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

const CSRF_COOKIE: &str = "XSRF-TOKEN";
/// Names the sign-up this browser made, so its confirmation signs it in.
const SIGN_UP_COOKIE: &str = "cognito-signup";

/// The browser's CSRF token, or a new one (set as a cookie with the page).
fn csrf(ui: &HostedUi, jar: CookieJar) -> (CookieJar, String) {
    let name = ui.cookies.name(CSRF_COOKIE);
    if let Some(token) = jar.get(&name).map(|c| c.value().to_string()) {
        return (jar, token);
    }
    let token = super::grants::random_token().unwrap_or_default();
    (
        jar.add(ui.cookies.cookie(CSRF_COOKIE, token.clone())),
        token,
    )
}

/// Every form's fields; each page reads the ones it has.
#[derive(Debug, Default, Deserialize)]
pub struct Fields {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    username: Option<String>,
    password: Option<String>,
    name: Option<String>,
    code: Option<String>,
}

type QueryResult = Result<Query<Params>, QueryRejection>;
type FormResult = Result<Form<Fields>, FormRejection>;

/// The page's parameters checked as `/oauth2/authorize` checks them.
fn checked(ui: &HostedUi, query: QueryResult) -> Result<(Params, Checked), Response> {
    let params = authorize::parse(query).map_err(IntoResponse::into_response)?;
    let checked =
        authorize::check(&ui.front.applied, &params).map_err(IntoResponse::into_response)?;
    Ok((params, checked))
}

/// The posted fields, when they came from this UI's form in this browser.
fn posted(ui: &HostedUi, jar: &CookieJar, form: FormResult) -> Result<Fields, Response> {
    let Ok(Form(fields)) = form else {
        return Err(page_error(
            StatusCode::BAD_REQUEST,
            "The form was not sent as application/x-www-form-urlencoded fields.",
        ));
    };
    let expected = jar
        .get(&ui.cookies.name(CSRF_COOKIE))
        .map(|c| c.value().to_string());
    match (expected, fields.csrf.as_deref()) {
        (Some(expected), Some(sent)) if !expected.is_empty() && same(&expected, sent) => Ok(fields),
        _ => Err(page_error(
            StatusCode::FORBIDDEN,
            "This form expired or was not sent from this sign-in page: reload the page and try again.",
        )),
    }
}

fn page_error(status: StatusCode, message: &str) -> Response {
    (status, error_page(message)).into_response()
}

fn field(value: &Option<String>) -> String {
    value.as_deref().unwrap_or_default().trim().to_string()
}

fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · HealthTech (local)" }
                style { "body{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}label,input,button{display:block;width:100%;margin:.3rem 0}input,button{padding:.5rem;box-sizing:border-box}.error{color:#a00}.notice{color:#060}pre{white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:.5rem}" }
            }
            body {
                main {
                    h1 { (title) }
                    (body)
                }
                footer { p { small { "Local stack: the Cognito Hosted UI as the runner serves it." } } }
            }
        }
    }
}

fn alert(error: Option<&str>) -> Markup {
    html! { @if let Some(message) = error { p.error role="alert" { (message) } } }
}

pub fn error_page(message: &str) -> Markup {
    layout(
        "Something is wrong with the request",
        html! { p.error role="alert" { (message) } },
    )
}

fn login_view(params: &Params, csrf: &str, error: Option<&str>, username: &str) -> Markup {
    let query = params.without_user().query();
    layout(
        "Sign in",
        html! {
            (alert(error))
            form method="post" action={ "/login?" (query) } {
                input type="hidden" name="_csrf" value=(csrf);
                label for="username" { "Email" }
                input #username name="username" type="email" autocomplete="username" required value=(username);
                label for="password" { "Password" }
                input #password name="password" type="password" autocomplete="current-password" required;
                button type="submit" { "Sign in" }
            }
            p { a href={ "/forgotPassword?" (query) } { "Forgot your password?" } }
            p { "Need an account? " a href={ "/signup?" (query) } { "Sign up" } }
        },
    )
}

fn signup_view(params: &Params, csrf: &str, error: Option<&str>, fields: &Fields) -> Markup {
    let query = params.without_user().query();
    layout(
        "Sign up",
        html! {
            (alert(error))
            form method="post" action={ "/signup?" (query) } {
                input type="hidden" name="_csrf" value=(csrf);
                label for="username" { "Email" }
                input #username name="username" type="email" autocomplete="username" required value=(field(&fields.username));
                label for="name" { "Name (optional)" }
                input #name name="name" type="text" autocomplete="name" value=(field(&fields.name));
                label for="password" { "Password" }
                input #password name="password" type="password" autocomplete="new-password" required;
                button type="submit" { "Sign up" }
            }
            p { "Have an account? " a href={ "/login?" (query) } { "Sign in" } }
        },
    )
}

fn code_view(
    title: &str,
    action: &str,
    params: &Params,
    csrf: &str,
    error: Option<&str>,
    new_password: bool,
) -> Markup {
    let username = params.username.as_deref().unwrap_or_default();
    layout(
        title,
        html! {
            p.notice { "We sent a code to the email of " strong { (username) } " (locally: `just outbox`)." }
            (alert(error))
            form method="post" action={ (action) "?" (params.query()) } {
                input type="hidden" name="_csrf" value=(csrf);
                label for="code" { "Code" }
                input #code name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required;
                @if new_password {
                    label for="password" { "New password" }
                    input #password name="password" type="password" autocomplete="new-password" required;
                }
                button type="submit" { "Confirm" }
            }
        },
    )
}

fn forgot_view(params: &Params, csrf: &str, error: Option<&str>) -> Markup {
    let query = params.without_user().query();
    layout(
        "Forgot your password?",
        html! {
            (alert(error))
            form method="post" action={ "/forgotPassword?" (query) } {
                input type="hidden" name="_csrf" value=(csrf);
                label for="username" { "Email" }
                input #username name="username" type="email" autocomplete="username" required;
                button type="submit" { "Reset my password" }
            }
            p { a href={ "/login?" (query) } { "Back to sign in" } }
        },
    )
}

macro_rules! try_page {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(response) => return response,
        }
    };
}

pub async fn login_page(
    State(ui): State<Arc<HostedUi>>,
    jar: CookieJar,
    query: QueryResult,
) -> Response {
    let (params, _) = try_page!(checked(&ui, query));
    let (jar, token) = csrf(&ui, jar);
    (jar, login_view(&params, &token, None, "")).into_response()
}

pub async fn login(
    State(ui): State<Arc<HostedUi>>,
    jar: CookieJar,
    query: QueryResult,
    form: FormResult,
) -> Response {
    let (params, checked) = try_page!(checked(&ui, query));
    let fields = try_page!(posted(&ui, &jar, form));
    let username = field(&fields.username);
    let password = fields.password.unwrap_or_default();
    let (jar, token) = csrf(&ui, jar);
    let refuse = |jar, message: &str| {
        (
            StatusCode::BAD_REQUEST,
            jar,
            login_view(&params, &token, Some(message), &username),
        )
            .into_response()
    };
    let pool_id = &checked.client.user_pool_id;
    let user = match ui.front.moto.stored_user(pool_id, &username).await {
        Ok(user) => user,
        Err(_) => {
            return page_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The user pool is not answering; try again.",
            );
        }
    };
    // An unknown user is answered as a wrong password: nothing to learn about who exists.
    let Some(user) = user.filter(|_| !username.is_empty()) else {
        return refuse(jar, "Incorrect username or password.");
    };
    let right = user.password.as_deref().is_some_and(|p| same(p, &password));
    let lockouts = ui.front.cognito.lockouts();
    if let Err(refusal) = lockouts.verify(pool_id, &user.username, right).await {
        return refuse(jar, &refusal.message);
    }
    if !user.enabled {
        return refuse(jar, "User is disabled.");
    }
    match user.status.as_str() {
        "UNCONFIRMED" => {
            let input = json!({"ClientId": checked.client.id, "Username": username});
            if let Err(refusal) = cognito_call(&ui.front, "ResendConfirmationCode", &input).await {
                return refuse(jar, &refusal.message);
            }
            let jar = remember_sign_up(&ui, jar, pool_id, &username);
            (
                jar,
                found(&format!("/confirm?{}", params.for_user(&username).query())),
            )
                .into_response()
        }
        "RESET_REQUIRED" => found(&format!(
            "/forgotPassword?{}",
            params.without_user().query()
        ))
        .into_response(),
        "FORCE_CHANGE_PASSWORD" => refuse(
            jar,
            "This account still has its temporary password: set a new one through the app first (the local Hosted UI has no new-password page).",
        ),
        _ => authorize::sign_in(&ui, jar, &checked, &user.username),
    }
}

fn remember_sign_up(ui: &HostedUi, jar: CookieJar, pool_id: &str, username: &str) -> CookieJar {
    let session = Session {
        pool_id: pool_id.to_string(),
        username: username.to_string(),
    };
    match ui.sessions.signed_up(session) {
        Some(id) => jar.add(ui.cookies.cookie(SIGN_UP_COOKIE, id)),
        None => jar,
    }
}

pub async fn signup_page(
    State(ui): State<Arc<HostedUi>>,
    jar: CookieJar,
    query: QueryResult,
) -> Response {
    let (params, _) = try_page!(checked(&ui, query));
    let (jar, token) = csrf(&ui, jar);
    (jar, signup_view(&params, &token, None, &Fields::default())).into_response()
}

pub async fn signup(
    State(ui): State<Arc<HostedUi>>,
    jar: CookieJar,
    query: QueryResult,
    form: FormResult,
) -> Response {
    let (params, checked) = try_page!(checked(&ui, query));
    let fields = try_page!(posted(&ui, &jar, form));
    let (jar, token) = csrf(&ui, jar);
    let username = field(&fields.username);
    let mut attributes = vec![json!({"Name": "email", "Value": username})];
    if !field(&fields.name).is_empty() {
        attributes.push(json!({"Name": "name", "Value": field(&fields.name)}));
    }
    let input = json!({
        "ClientId": checked.client.id,
        "Username": username,
        "Password": fields.password.as_deref().unwrap_or_default(),
        "UserAttributes": attributes,
    });
    let signed_up = match cognito_call(&ui.front, "SignUp", &input).await {
        Ok(answer) => answer,
        Err(refusal) => {
            // The trigger's or the policy's message, as the Hosted UI shows it.
            return (
                StatusCode::BAD_REQUEST,
                jar,
                signup_view(&params, &token, Some(&refusal.message), &fields),
            )
                .into_response();
        }
    };
    let pool_id = &checked.client.user_pool_id;
    if signed_up["UserConfirmed"] == true {
        // PreSignUp confirmed the user: signed in at once.
        return match ui.front.moto.stored_user(pool_id, &username).await {
            Ok(Some(user)) => authorize::sign_in(&ui, jar, &checked, &user.username),
            _ => found(&format!("/login?{}", params.without_user().query())).into_response(),
        };
    }
    let jar = remember_sign_up(&ui, jar, pool_id, &username);
    (
        jar,
        found(&format!("/confirm?{}", params.for_user(&username).query())),
    )
        .into_response()
}

/// The confirmation pages need the user they confirm.
fn with_user(params: Params) -> Result<(Params, String), Response> {
    match params.username.clone().filter(|u| !u.is_empty()) {
        Some(username) => Ok((params, username)),
        None => Err(page_error(
            StatusCode::BAD_REQUEST,
            "The username parameter is missing.",
        )),
    }
}

pub async fn confirm_page(
    State(ui): State<Arc<HostedUi>>,
    jar: CookieJar,
    query: QueryResult,
) -> Response {
    let (params, _) = try_page!(checked(&ui, query));
    let (params, _) = try_page!(with_user(params));
    let (jar, token) = csrf(&ui, jar);
    (
        jar,
        code_view(
            "Confirm your account",
            "/confirm",
            &params,
            &token,
            None,
            false,
        ),
    )
        .into_response()
}

pub async fn confirm(
    State(ui): State<Arc<HostedUi>>,
    jar: CookieJar,
    query: QueryResult,
    form: FormResult,
) -> Response {
    let (params, checked) = try_page!(checked(&ui, query));
    let (params, username) = try_page!(with_user(params));
    let fields = try_page!(posted(&ui, &jar, form));
    let (jar, token) = csrf(&ui, jar);
    let input = json!({
        "ClientId": checked.client.id,
        "Username": username,
        "ConfirmationCode": field(&fields.code),
    });
    if let Err(refusal) = cognito_call(&ui.front, "ConfirmSignUp", &input).await {
        return (
            StatusCode::BAD_REQUEST,
            jar,
            code_view(
                "Confirm your account",
                "/confirm",
                &params,
                &token,
                Some(&refusal.message),
                false,
            ),
        )
            .into_response();
    }
    // This browser's own sign-up is signed in; any other confirmation goes to sign-in.
    let own = jar
        .get(&ui.cookies.name(SIGN_UP_COOKIE))
        .and_then(|c| ui.sessions.take_sign_up(c.value()))
        .filter(|s| {
            s.pool_id == checked.client.user_pool_id && s.username.eq_ignore_ascii_case(&username)
        });
    let jar = jar.remove(ui.cookies.removal(SIGN_UP_COOKIE));
    if own.is_some()
        && let Ok(Some(user)) = ui
            .front
            .moto
            .stored_user(&checked.client.user_pool_id, &username)
            .await
    {
        return authorize::sign_in(&ui, jar, &checked, &user.username);
    }
    (
        jar,
        found(&format!("/login?{}", params.without_user().query())),
    )
        .into_response()
}

pub async fn forgot_page(
    State(ui): State<Arc<HostedUi>>,
    jar: CookieJar,
    query: QueryResult,
) -> Response {
    let (params, _) = try_page!(checked(&ui, query));
    let (jar, token) = csrf(&ui, jar);
    (jar, forgot_view(&params, &token, None)).into_response()
}

pub async fn forgot(
    State(ui): State<Arc<HostedUi>>,
    jar: CookieJar,
    query: QueryResult,
    form: FormResult,
) -> Response {
    let (params, checked) = try_page!(checked(&ui, query));
    let fields = try_page!(posted(&ui, &jar, form));
    let (jar, token) = csrf(&ui, jar);
    let username = field(&fields.username);
    let input = json!({"ClientId": checked.client.id, "Username": username});
    if let Err(refusal) = cognito_call(&ui.front, "ForgotPassword", &input).await {
        return (
            StatusCode::BAD_REQUEST,
            jar,
            forgot_view(&params, &token, Some(&refusal.message)),
        )
            .into_response();
    }
    (
        jar,
        found(&format!(
            "/confirmForgotPassword?{}",
            params.for_user(&username).query()
        )),
    )
        .into_response()
}

pub async fn confirm_forgot_page(
    State(ui): State<Arc<HostedUi>>,
    jar: CookieJar,
    query: QueryResult,
) -> Response {
    let (params, _) = try_page!(checked(&ui, query));
    let (params, _) = try_page!(with_user(params));
    let (jar, token) = csrf(&ui, jar);
    (
        jar,
        code_view(
            "Set a new password",
            "/confirmForgotPassword",
            &params,
            &token,
            None,
            true,
        ),
    )
        .into_response()
}

pub async fn confirm_forgot(
    State(ui): State<Arc<HostedUi>>,
    jar: CookieJar,
    query: QueryResult,
    form: FormResult,
) -> Response {
    let (params, checked) = try_page!(checked(&ui, query));
    let (params, username) = try_page!(with_user(params));
    let fields = try_page!(posted(&ui, &jar, form));
    let (jar, token) = csrf(&ui, jar);
    let input = json!({
        "ClientId": checked.client.id,
        "Username": username,
        "ConfirmationCode": field(&fields.code),
        "Password": fields.password.as_deref().unwrap_or_default(),
    });
    if let Err(refusal) = cognito_call(&ui.front, "ConfirmForgotPassword", &input).await {
        return (
            StatusCode::BAD_REQUEST,
            jar,
            code_view(
                "Set a new password",
                "/confirmForgotPassword",
                &params,
                &token,
                Some(&refusal.message),
                true,
            ),
        )
            .into_response();
    }
    (
        jar,
        found(&format!("/login?{}", params.without_user().query())),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct LogoutParams {
    logout_uri: Option<String>,
    #[serde(flatten)]
    authorize: Params,
}

/// `/logout`: ends the session, then goes to a registered `logout_uri`, or (with the
/// authorize parameters instead) to the sign-in page.
pub async fn logout(
    State(ui): State<Arc<HostedUi>>,
    jar: CookieJar,
    query: Result<Query<LogoutParams>, QueryRejection>,
) -> Response {
    let Ok(Query(asked)) = query else {
        return page_error(StatusCode::BAD_REQUEST, "The query string is malformed.");
    };
    let applied = &ui.front.applied;
    let Some(client) = asked
        .authorize
        .client_id
        .as_deref()
        .and_then(|id| applied.client(id))
    else {
        return page_error(
            StatusCode::BAD_REQUEST,
            "The client_id is missing or names no app client.",
        );
    };
    let next = match asked.logout_uri.as_deref() {
        Some(uri) if client.logout_urls.iter().any(|u| u == uri) => uri.to_string(),
        Some(_) => {
            return page_error(
                StatusCode::BAD_REQUEST,
                "The logout_uri is not a sign-out URL of this app client.",
            );
        }
        None => match authorize::check(applied, &asked.authorize) {
            Ok(_) => format!("/login?{}", asked.authorize.without_user().query()),
            Err(Invalid::Page(message)) => return page_error(StatusCode::BAD_REQUEST, &message),
            Err(invalid) => return invalid.into_response(),
        },
    };
    if let Some(session) = jar.get(&ui.cookies.name(SESSION_COOKIE)) {
        ui.sessions.close_session(session.value());
    }
    let jar = jar.remove(ui.cookies.removal(SESSION_COOKIE));
    (jar, found(&next)).into_response()
}

pub async fn not_found() -> Response {
    page_error(StatusCode::NOT_FOUND, "There is no such page.")
}
