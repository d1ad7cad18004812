//! The attacker's view of tokens: every token a user holds (the API path's and the Hosted
//! UI's, refresh, access and ID) played after sign-out, revocation and a disabled user
//! against Cognito's operations, userInfo, the token endpoint, the Hosted UI session and
//! the REST API; scopes on Cognito's token-authorized operations and on userInfo; the
//! Hosted UI's cookies, framing, scope and PKCE rules. Each refusal is Cognito's; where
//! AWS itself accepts (the REST API's authorizer checks no revocation; GlobalSignOut
//! leaves the Hosted UI session), the check asserts that too, so the difference cannot
//! creep in unnoticed.

use super::api::Api;
use super::cognito::{PASSWORD, SignedIn, Users, claims, error_of};
use super::hosted_ui::{CALLBACK, over_tls};
use super::stack::StackInfo;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, AuthFlowType};
use base64::Engine;
use serde_json::Value;

/// A callback URL the local stack registers besides the local callback.
const OTHER_CALLBACK: &str = "http://localhost:3000/";
const NOT_AUTHORIZED: &str = "NotAuthorizedException";

fn random() -> String {
    uuid::Uuid::new_v4().simple().to_string() + &uuid::Uuid::new_v4().simple().to_string()
}

fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ))
}

/// The value of the cookie `name` among a reply's `Set-Cookie` headers, with the whole
/// header (for its attributes).
fn set_cookie<'a>(headers: &'a [(String, String)], name: &str) -> Option<(&'a str, &'a str)> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| {
            let value = v.strip_prefix(name)?.strip_prefix('=')?;
            Some((value.split(';').next().unwrap_or_default(), v.as_str()))
        })
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// One answer: status, headers, body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

/// The Hosted UI at one of its listeners: plain HTTP (the test-support client) or HTTPS
/// (a TLS client trusting the stack's certificate).
#[derive(Clone, Copy)]
enum Listener {
    Http,
    Https,
}

async fn hosted(
    stack: &StackInfo,
    listener: Listener,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    match listener {
        Listener::Http => {
            let reply = test_support::http::exchange(
                method,
                &format!("{}{path}", stack.hosted_ui_url),
                headers,
                body.as_bytes(),
            )
            .await;
            Answer {
                status: reply.status,
                headers: reply.headers,
                body: reply.body,
            }
        }
        Listener::Https => {
            let mut request = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n");
            for (name, value) in headers {
                request.push_str(&format!("{name}: {value}\r\n"));
            }
            request.push_str(&format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ));
            let text = over_tls(stack, &request).await;
            let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
            let mut lines = head.split("\r\n");
            let status = lines
                .next()
                .and_then(|line| line.split(' ').nth(1))
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let headers = lines
                .filter_map(|line| line.split_once(':'))
                .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
                .collect();
            Answer {
                status,
                headers,
                body: body.to_string(),
            }
        }
    }
}

/// The cookie names a listener uses.
fn cookie_name(listener: Listener, base: &str) -> String {
    match listener {
        Listener::Http => base.to_string(),
        Listener::Https => format!("__Host-{base}"),
    }
}

/// A code the Hosted UI gave after a password sign-in, and the browser's session cookie.
struct HostedSignIn {
    code: String,
    verifier: String,
    /// `name=value` of the session cookie, as a browser would send it back.
    session: String,
}

fn authorize_query(stack: &StackInfo, scope: &str, redirect_uri: &str, verifier: &str) -> String {
    serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", stack.user_pool_client_id.as_str()),
        ("redirect_uri", redirect_uri),
        ("scope", scope),
        ("state", "st"),
        ("code_challenge", &s256(verifier)),
        ("code_challenge_method", "S256"),
    ])
    .unwrap()
}

/// The sign-in page's form, posted as a browser does (CSRF cookie and field included).
async fn post_login(
    stack: &StackInfo,
    listener: Listener,
    query: &str,
    email: &str,
    password: &str,
) -> Answer {
    let page = hosted(stack, listener, "GET", &format!("/login?{query}"), &[], "").await;
    assert_eq!(page.status, 200, "the sign-in page: {}", page.body);
    let csrf_name = cookie_name(listener, "XSRF-TOKEN");
    let (csrf, _) = set_cookie(&page.headers, &csrf_name)
        .unwrap_or_else(|| panic!("{csrf_name} set: {:?}", page.headers));
    let form =
        serde_urlencoded::to_string([("_csrf", csrf), ("username", email), ("password", password)])
            .unwrap();
    let cookie = format!("{csrf_name}={csrf}");
    hosted(
        stack,
        listener,
        "POST",
        &format!("/login?{query}"),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", &cookie),
        ],
        &form,
    )
    .await
}

fn code_of(location: &str) -> String {
    let query = location.split_once('?').map_or("", |(_, q)| q);
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    pairs
        .into_iter()
        .find(|(n, _)| n == "code")
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("a code: {location}"))
}

async fn hosted_sign_in(
    stack: &StackInfo,
    listener: Listener,
    person: &SignedIn,
    scope: &str,
) -> HostedSignIn {
    hosted_sign_in_with(stack, listener, person, scope, &random()).await
}

async fn hosted_sign_in_with(
    stack: &StackInfo,
    listener: Listener,
    person: &SignedIn,
    scope: &str,
    verifier: &str,
) -> HostedSignIn {
    let verifier = verifier.to_string();
    let query = authorize_query(stack, scope, CALLBACK, &verifier);
    let reply = post_login(stack, listener, &query, &person.email, PASSWORD).await;
    assert_eq!(reply.status, 302, "signed in: {}", reply.body);
    let location = header(&reply.headers, "location").unwrap();
    assert!(location.starts_with(CALLBACK), "{location}");
    let name = cookie_name(listener, "cognito");
    let (session, _) = set_cookie(&reply.headers, &name)
        .unwrap_or_else(|| panic!("{name} set: {:?}", reply.headers));
    HostedSignIn {
        code: code_of(location),
        verifier,
        session: format!("{name}={session}"),
    }
}

/// What the session cookie gets from `/oauth2/authorize`: a code (Some) or the sign-in page.
async fn silent_sign_in(stack: &StackInfo, listener: Listener, cookie: &str) -> Option<String> {
    let query = authorize_query(stack, "openid email", CALLBACK, &random());
    let reply = hosted(
        stack,
        listener,
        "GET",
        &format!("/oauth2/authorize?{query}"),
        &[("cookie", cookie)],
        "",
    )
    .await;
    assert_eq!(reply.status, 302, "{}", reply.body);
    let location = header(&reply.headers, "location").unwrap();
    if location.starts_with("/login?") {
        return None;
    }
    assert!(location.starts_with(CALLBACK), "{location}");
    Some(code_of(location))
}

async fn token_endpoint(stack: &StackInfo, form: &[(&str, &str)]) -> (u16, Value) {
    let body = serde_urlencoded::to_string(form).unwrap();
    let (status, body) = test_support::http::send(
        "POST",
        &format!("{}/oauth2/token", stack.hosted_ui_url),
        &[("content-type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )
    .await;
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

/// The Hosted UI's tokens (access, refresh, ID with `openid`).
struct Tokens {
    access: String,
    refresh: String,
    id: Option<String>,
}

async fn redeem(users: &Users, stack: &StackInfo, signed_in: &HostedSignIn) -> Tokens {
    let (status, tokens) = token_endpoint(
        stack,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &stack.user_pool_client_id),
            ("code", &signed_in.code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", &signed_in.verifier),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    let text = |name: &str| tokens[name].as_str().map(str::to_string);
    let tokens = Tokens {
        access: text("access_token").unwrap(),
        refresh: text("refresh_token").unwrap(),
        id: text("id_token"),
    };
    for token in [&tokens.access, &tokens.refresh]
        .into_iter()
        .chain(&tokens.id)
    {
        users.secrets.remember(token);
    }
    tokens
}

/// The token endpoint's refresh grant: Ok(new access token) or the OAuth error.
async fn refresh_grant(stack: &StackInfo, refresh: &str) -> Result<String, String> {
    let (status, answer) = token_endpoint(
        stack,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &stack.user_pool_client_id),
            ("refresh_token", refresh),
        ],
    )
    .await;
    match status {
        200 => Ok(answer["access_token"].as_str().unwrap().to_string()),
        _ => Err(answer["error"].as_str().unwrap_or_default().to_string()),
    }
}

/// InitiateAuth's REFRESH_TOKEN_AUTH: Ok(new access token) or (code, message).
async fn refresh_auth(users: &Users, refresh: &str) -> Result<String, (String, String)> {
    let answer = users
        .client
        .initiate_auth()
        .client_id(&users.app_client_id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", refresh)
        .send()
        .await
        .map_err(|e| error_of(&e.into_service_error()))?;
    let access = answer
        .authentication_result()
        .and_then(|r| r.access_token())
        .unwrap()
        .to_string();
    users.secrets.remember(&access);
    Ok(access)
}

async fn get_user(users: &Users, access: &str) -> Result<(), (String, String)> {
    users
        .client
        .get_user()
        .access_token(access)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| error_of(&e.into_service_error()))
}

/// userInfo's status and body for an access token.
async fn user_info(stack: &StackInfo, access: &str) -> (u16, Value) {
    let bearer = format!("Bearer {access}");
    let (status, body) = test_support::http::send(
        "GET",
        &format!("{}/oauth2/userInfo", stack.hosted_ui_url),
        &[("authorization", &bearer)],
        b"",
    )
    .await;
    (status, serde_json::from_str(&body).unwrap_or_default())
}

/// The message of a `NotAuthorizedException` refusal (what was accepted is never printed:
/// it may be a token).
fn refused<T>(what: &str, result: Result<T, (String, String)>) -> String {
    match result {
        Err((code, message)) => {
            assert_eq!(code, NOT_AUTHORIZED, "{what}: {message}");
            message
        }
        Ok(_) => panic!("{what} was accepted"),
    }
}

/// Every token of one person: the API path's (InitiateAuth by e-mail) and the Hosted UI's
/// (filed under the internal username), and the Hosted UI session cookie.
struct Held {
    api: super::cognito::Tokens,
    hosted: Tokens,
    session: String,
}

async fn every_token_of(users: &Users, stack: &StackInfo, person: &SignedIn) -> Held {
    let api = users.tokens(&person.email, PASSWORD).await.unwrap();
    let signed_in = hosted_sign_in(stack, Listener::Http, person, "openid email profile").await;
    let hosted = redeem(users, stack, &signed_in).await;
    Held {
        api,
        hosted,
        session: signed_in.session,
    }
}

/// Nothing Cognito issued before is accepted by Cognito: refresh (both paths, both
/// endpoints), access tokens on GetUser and userInfo.
async fn every_token_is_refused(users: &Users, stack: &StackInfo, held: &Held, after: &str) {
    refused(
        &format!("{after}: the API path's refresh token"),
        refresh_auth(users, &held.api.refresh).await,
    );
    refused(
        &format!("{after}: the Hosted UI's refresh token through InitiateAuth"),
        refresh_auth(users, &held.hosted.refresh).await,
    );
    assert_eq!(
        refresh_grant(stack, &held.hosted.refresh).await,
        Err("invalid_grant".to_string()),
        "{after}: the Hosted UI's refresh token at the token endpoint"
    );
    assert_eq!(
        refresh_grant(stack, &held.api.refresh).await,
        Err("invalid_grant".to_string()),
        "{after}: the API path's refresh token at the token endpoint"
    );
    refused(
        &format!("{after}: the API path's access token on GetUser"),
        get_user(users, &held.api.access).await,
    );
    assert_eq!(
        user_info(stack, &held.hosted.access).await.0,
        401,
        "{after}: the Hosted UI's access token on userInfo"
    );
}

/// The REST API's Cognito authorizer checks an ID token's signature, issuer, audience and
/// expiry, never Cognito's revocation (API Gateway has no call to Cognito per request):
/// on AWS too, an ID token issued before a sign-out or a disable is served until it
/// expires. The local stack reproduces that; this asserts it, so a change is seen.
async fn the_api_still_serves(api: &Api, held: &Held, after: &str) {
    for id_token in [Some(&held.api.id), held.hosted.id.as_ref()]
        .into_iter()
        .flatten()
    {
        let reply = api.get("/users/me", id_token).await;
        assert_eq!(reply.status, 200, "{after}: {}", reply.raw);
    }
}

/// Item 3: Cognito's token-authorized operations need `aws.cognito.signin.user.admin`.
pub async fn scopes_are_enforced_on_cognitos_operations(stack: &StackInfo, users: &Users) {
    let person = users
        .signed_up_and_confirmed("scoped", &[("custom:user_type", "Patient")])
        .await;
    let signed_in = hosted_sign_in(stack, Listener::Http, &person, "openid email profile").await;
    let hosted = redeem(users, stack, &signed_in).await;
    assert_eq!(claims(&hosted.access)["scope"], "openid email profile");
    let client = &users.client;
    let token = hosted.access.as_str();
    let outcomes = [
        ("GetUser", get_user(users, token).await),
        (
            "UpdateUserAttributes",
            client
                .update_user_attributes()
                .access_token(token)
                .user_attributes(
                    AttributeType::builder()
                        .name("name")
                        .value("Mallory")
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .map(|_| ())
                .map_err(|e| error_of(&e.into_service_error())),
        ),
        (
            "ChangePassword",
            client
                .change_password()
                .access_token(token)
                .previous_password(PASSWORD)
                .proposed_password("Changed-Horse-9!")
                .send()
                .await
                .map(|_| ())
                .map_err(|e| error_of(&e.into_service_error())),
        ),
        (
            "GetUserAttributeVerificationCode",
            client
                .get_user_attribute_verification_code()
                .access_token(token)
                .attribute_name("email")
                .send()
                .await
                .map(|_| ())
                .map_err(|e| error_of(&e.into_service_error())),
        ),
        (
            "VerifyUserAttribute",
            client
                .verify_user_attribute()
                .access_token(token)
                .attribute_name("email")
                .code("123456")
                .send()
                .await
                .map(|_| ())
                .map_err(|e| error_of(&e.into_service_error())),
        ),
        (
            "SetUserMFAPreference",
            client
                .set_user_mfa_preference()
                .access_token(token)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| error_of(&e.into_service_error())),
        ),
        (
            "AssociateSoftwareToken",
            client
                .associate_software_token()
                .access_token(token)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| error_of(&e.into_service_error())),
        ),
        (
            "ListDevices",
            client
                .list_devices()
                .access_token(token)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| error_of(&e.into_service_error())),
        ),
        (
            "GlobalSignOut",
            client
                .global_sign_out()
                .access_token(token)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| error_of(&e.into_service_error())),
        ),
    ];
    for (operation, outcome) in outcomes {
        let message = refused(operation, outcome);
        assert_eq!(
            message, "Access Token does not have required scopes",
            "{operation}"
        );
    }
    // Nothing happened: the password is unchanged, the tokens live, the name not set.
    let api = users.tokens(&person.email, PASSWORD).await.unwrap();
    let user = client
        .get_user()
        .access_token(&api.access)
        .send()
        .await
        .unwrap();
    assert!(
        user.user_attributes().iter().all(|a| a.name() != "name"),
        "{user:?}"
    );
    assert!(refresh_grant(stack, &hosted.refresh).await.is_ok());
    // Refreshed through InitiateAuth, a Hosted UI grant keeps its scopes: no admin scope.
    let refreshed = refresh_auth(users, &hosted.refresh).await.unwrap();
    assert_eq!(claims(&refreshed)["scope"], "openid email profile");
    refused(
        "GetUser with a Hosted UI token refreshed through InitiateAuth",
        get_user(users, &refreshed).await,
    );
}

/// Item 4: userInfo needs `openid` and shows only what the scopes allow.
pub async fn user_info_follows_the_scopes(stack: &StackInfo, users: &Users) {
    let person = users
        .signed_up_and_confirmed("userinfo", &[("name", "Ada Lovelace")])
        .await;
    let api = users.tokens(&person.email, PASSWORD).await.unwrap();
    let (status, body) = user_info(stack, &api.access).await;
    assert_eq!(
        status, 401,
        "an InitiateAuth access token has no openid: {body}"
    );

    let names = |body: &Value| -> Vec<String> {
        let mut names: Vec<String> = body.as_object().unwrap().keys().cloned().collect();
        names.sort();
        names
    };
    for (scope, shown, hidden) in [
        ("openid email", vec!["email", "sub"], "name"),
        ("openid profile", vec!["name", "sub"], "email"),
    ] {
        let signed_in = hosted_sign_in(stack, Listener::Http, &person, scope).await;
        let tokens = redeem(users, stack, &signed_in).await;
        let (status, body) = user_info(stack, &tokens.access).await;
        assert_eq!(status, 200, "{scope}: {body}");
        let names = names(&body);
        for name in shown {
            assert!(
                names.iter().any(|n| n == name),
                "{scope}: {name} in {names:?}"
            );
        }
        assert!(
            !names.iter().any(|n| n == hidden),
            "{scope}: {hidden} in {names:?}"
        );
        assert_eq!(body["sub"], person.sub.as_str());
    }
}

/// Item 5: GlobalSignOut (with either path's token) and AdminUserGlobalSignOut (by e-mail
/// or sub) reach every token of the user; RevokeToken reaches one grant.
pub async fn sign_out_reaches_every_token(stack: &StackInfo, users: &Users, api: &Api) {
    let person = users
        .signed_up_and_confirmed("signed.out", &[("custom:user_type", "Patient")])
        .await;

    let held = every_token_of(users, stack, &person).await;
    users
        .client
        .global_sign_out()
        .access_token(&held.api.access)
        .send()
        .await
        .unwrap();
    every_token_is_refused(users, stack, &held, "GlobalSignOut").await;
    the_api_still_serves(api, &held, "GlobalSignOut").await;
    // "This operation doesn't clear the managed login session cookie" (GlobalSignOut's
    // API reference): the session still yields a code, whose tokens are new and live.
    let code = silent_sign_in(stack, Listener::Http, &held.session)
        .await
        .expect("GlobalSignOut leaves the Hosted UI session, as on AWS");
    assert!(!code.is_empty());

    for name in [person.email.as_str(), person.sub.as_str()] {
        let held = every_token_of(users, stack, &person).await;
        users
            .client
            .admin_user_global_sign_out()
            .user_pool_id(&users.pool_id)
            .username(name)
            .send()
            .await
            .unwrap();
        every_token_is_refused(users, stack, &held, "AdminUserGlobalSignOut").await;
    }

    // RevokeToken ends one grant: its refresh and access tokens, nothing else.
    let held = every_token_of(users, stack, &person).await;
    let form = serde_urlencoded::to_string([
        ("token", held.hosted.refresh.as_str()),
        ("client_id", stack.user_pool_client_id.as_str()),
    ])
    .unwrap();
    let (status, _) = test_support::http::send(
        "POST",
        &format!("{}/oauth2/revoke", stack.hosted_ui_url),
        &[("content-type", "application/x-www-form-urlencoded")],
        form.as_bytes(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        refresh_grant(stack, &held.hosted.refresh).await,
        Err("invalid_grant".to_string())
    );
    assert_eq!(user_info(stack, &held.hosted.access).await.0, 401);
    assert!(refresh_auth(users, &held.api.refresh).await.is_ok());
    assert!(get_user(users, &held.api.access).await.is_ok());
}

/// Item 6: a disabled user gets no token on any path, and the tokens it held are dead.
pub async fn a_disabled_user_gets_no_token(stack: &StackInfo, users: &Users, api: &Api) {
    let person = users
        .signed_up_and_confirmed("disabled", &[("custom:user_type", "Patient")])
        .await;
    let held = every_token_of(users, stack, &person).await;
    // A code issued before the disable, redeemed after it.
    let pending = hosted_sign_in(stack, Listener::Http, &person, "openid email").await;
    users
        .client
        .admin_disable_user()
        .user_pool_id(&users.pool_id)
        .username(&person.email)
        .send()
        .await
        .unwrap();

    let message = refused(
        "USER_PASSWORD_AUTH",
        users.tokens(&person.email, PASSWORD).await,
    );
    assert_eq!(message, "User is disabled.");
    let srp = users
        .client
        .initiate_auth()
        .client_id(&users.app_client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", &person.email)
        .auth_parameters("SRP_A", "0abc")
        .send()
        .await
        .map(|_| ())
        .map_err(|e| error_of(&e.into_service_error()));
    assert_eq!(refused("USER_SRP_AUTH", srp), "User is disabled.");
    every_token_is_refused(users, stack, &held, "AdminDisableUser").await;
    let (status, answer) = token_endpoint(
        stack,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &stack.user_pool_client_id),
            ("code", &pending.code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", &pending.verifier),
        ],
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_grant")),
        "a code issued before the disable: {}",
        answer["error"]
    );
    assert_eq!(
        silent_sign_in(stack, Listener::Http, &held.session).await,
        None,
        "the Hosted UI session of a disabled user yields no code"
    );
    let query = authorize_query(stack, "openid", CALLBACK, &random());
    let login = post_login(stack, Listener::Http, &query, &person.email, PASSWORD).await;
    assert_eq!(login.status, 400);
    assert!(login.body.contains("User is disabled."), "{}", login.body);
    // Tokens issued before the disable: the REST API, as AWS's authorizer, still serves
    // their ID tokens until they expire; no ID token can be issued after it.
    the_api_still_serves(api, &held, "AdminDisableUser").await;

    // Enabled again: a new sign-in works, the tokens ended by the disable stay ended.
    users
        .client
        .admin_enable_user()
        .user_pool_id(&users.pool_id)
        .username(&person.sub)
        .send()
        .await
        .unwrap();
    users.tokens(&person.email, PASSWORD).await.unwrap();
    refused(
        "a refresh token ended by the disable",
        refresh_auth(users, &held.api.refresh).await,
    );
}

/// Items 7 and 9, framing, PKCE and the code's binding: the Hosted UI's own rules.
pub async fn the_hosted_ui_keeps_its_sessions_and_codes_to_themselves(
    stack: &StackInfo,
    users: &Users,
) {
    // Every page refuses framing; cookies are HttpOnly and SameSite=Lax, Secure and
    // `__Host-` over HTTPS only.
    let query = authorize_query(stack, "openid email", CALLBACK, &random());
    for listener in [Listener::Http, Listener::Https] {
        for path in [format!("/login?{query}"), "/nowhere".to_string()] {
            let page = hosted(stack, listener, "GET", &path, &[], "").await;
            assert_eq!(
                header(&page.headers, "x-frame-options"),
                Some("DENY"),
                "{path}"
            );
            assert_eq!(
                header(&page.headers, "content-security-policy"),
                Some("frame-ancestors 'none'"),
                "{path}"
            );
        }
        let page = hosted(stack, listener, "GET", &format!("/login?{query}"), &[], "").await;
        let name = cookie_name(listener, "XSRF-TOKEN");
        let (_, whole) = set_cookie(&page.headers, &name)
            .unwrap_or_else(|| panic!("{name}: {:?}", page.headers));
        let attributes = whole.to_ascii_lowercase();
        assert!(attributes.contains("httponly"), "{whole}");
        assert!(attributes.contains("samesite=lax"), "{whole}");
        assert_eq!(
            attributes.contains("secure"),
            matches!(listener, Listener::Https),
            "{whole}"
        );
    }

    // A session opened over HTTPS signs nobody in over plain HTTP, under either name.
    let person = users
        .signed_up_and_confirmed("cookies", &[("custom:user_type", "Patient")])
        .await;
    let signed_in = hosted_sign_in(stack, Listener::Https, &person, "openid email").await;
    let value = signed_in.session.split_once('=').unwrap().1;
    assert!(
        silent_sign_in(stack, Listener::Https, &signed_in.session)
            .await
            .is_some(),
        "the session signs in where it was opened"
    );
    for cookie in [signed_in.session.clone(), format!("cognito={value}")] {
        assert_eq!(
            silent_sign_in(stack, Listener::Http, &cookie).await,
            None,
            "{}",
            cookie.split('=').next().unwrap()
        );
    }
    // A code redeems at either listener's token endpoint (one authorization server).
    redeem(users, stack, &signed_in).await;

    // email, phone and profile only with openid.
    for scope in ["email", "profile", "email profile"] {
        let query = authorize_query(stack, scope, CALLBACK, &random());
        let reply = hosted(
            stack,
            Listener::Http,
            "GET",
            &format!("/oauth2/authorize?{query}"),
            &[],
            "",
        )
        .await;
        let location = header(&reply.headers, "location").unwrap_or_default();
        assert!(
            location.starts_with(CALLBACK) && location.contains("error=invalid_scope"),
            "{scope}: {location}"
        );
    }

    // A code is bound to its redirect_uri, and to a PKCE verifier of 43 to 128 characters
    // (RFC 7636): a one-character verifier with its own matching challenge is refused.
    for (redirect_uri, verifier) in [(OTHER_CALLBACK, random()), (CALLBACK, "a".to_string())] {
        let signed_in =
            hosted_sign_in_with(stack, Listener::Http, &person, "openid", &verifier).await;
        let (status, answer) = token_endpoint(
            stack,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &stack.user_pool_client_id),
                ("code", &signed_in.code),
                ("redirect_uri", redirect_uri),
                ("code_verifier", &verifier),
            ],
        )
        .await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some("invalid_grant")),
            "{redirect_uri} {verifier}: {}",
            answer["error"]
        );
    }
}
