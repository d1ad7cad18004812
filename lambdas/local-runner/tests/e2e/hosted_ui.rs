//! The Hosted UI in a real browser: headless Chromium driven through chromedriver, as a
//! person would use it. Sign-up with the code from the outbox, the redirect with a code
//! and `state`, the PKCE exchange, `GET /users/me`; sign-in, forgot password, sign-out;
//! and the refusals. The stacks under test bind the Hosted UI to any free port while the
//! registered local callback stays on the default one, so the browser's redirect to it
//! is read from its address bar (and, for the callback page, sent on to the runner).

use super::cognito::{PASSWORD, Secrets, Users, claims, unique_email};
use super::stack::StackInfo;
use base64::Engine;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::io::BufRead;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CALLBACK: &str = "http://localhost:8976/local/callback";
const SIGNED_OUT: &str = "http://localhost:8976/local/signed-out";
const NEW_PASSWORD: &str = "Another-Horse-7?";

/// chromedriver and the headless Chromium session it drives, in a process group of their
/// own. A watchdog `sh` holds the read end of a pipe only this process writes to: on drop,
/// and on any exit of this process (a failed check included), the pipe closes and the
/// watchdog kills the whole group, so no Chromium outlives the test.
struct Browser {
    client: Client,
    driver: Child,
    watchdog: Child,
    _profile: tempfile_dir::Dir,
}

mod tempfile_dir {
    /// A private Chromium profile directory, removed on drop.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn tool(variable: &str, default: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| default.to_string())
}

impl Browser {
    /// `trusted`: a certificate (PEM file) this browser trusts, added to its own NSS
    /// database with the README's `certutil` command, as a person trusts the local Hosted
    /// UI's certificate once.
    async fn start(trusted: Option<&str>) -> Browser {
        let profile =
            std::env::temp_dir().join(format!("e2e-chromium-{}", uuid::Uuid::new_v4().simple()));
        // Chromium on Linux reads the NSS database in $HOME/.pki/nssdb.
        let home = profile.join("home");
        let nssdb = home.join(".pki/nssdb");
        std::fs::create_dir_all(&nssdb).unwrap();
        if let Some(certificate) = trusted {
            let database = format!("sql:{}", nssdb.display());
            for args in [
                vec!["-d", &database, "-N", "--empty-password"],
                vec![
                    "-d",
                    &database,
                    "-A",
                    "-t",
                    "P,,",
                    "-n",
                    "healthtech-local-hosted-ui",
                    "-i",
                    certificate,
                ],
            ] {
                let status = Command::new("certutil")
                    .args(&args)
                    .status()
                    .unwrap_or_else(|e| {
                        panic!("certutil: {e} (`just setup-test-tools` installs libnss3-tools)")
                    });
                assert!(status.success(), "certutil {args:?}");
            }
        }
        let chromedriver = tool("CHROMEDRIVER", "/usr/bin/chromedriver");
        let mut driver = Command::new(&chromedriver)
            .arg("--port=0")
            .env("HOME", &home)
            .process_group(0)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{chromedriver}: {e} (`just setup-test-tools` installs Debian's chromium-driver)"));
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(r#"cat >/dev/null; kill -KILL "-$1" 2>/dev/null"#)
            .arg("sh")
            .arg(driver.id().to_string())
            .stdin(Stdio::piped())
            .spawn()
            .expect("the browser's watchdog");
        // It binds a free port itself and says which.
        let mut lines = std::io::BufReader::new(driver.stdout.take().unwrap()).lines();
        let port = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| {
                line.split("started successfully on port ")
                    .nth(1)
                    .map(|p| p.trim_end_matches('.').to_string())
            })
            .expect("chromedriver reports its port");
        std::thread::spawn(move || lines.for_each(drop));
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-dev-shm-usage".to_string(),
            format!("--user-data-dir={}", profile.join("data").display()),
        ];
        let options = json!({"binary": tool("CHROMIUM", "/usr/bin/chromium"), "args": args});
        let capabilities = json!({"goog:chromeOptions": options})
            .as_object()
            .unwrap()
            .clone();
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        Browser {
            client,
            driver,
            watchdog,
            _profile: tempfile_dir::Dir(profile),
        }
    }

    /// Loads `url`. A page that cannot load (the registered local callback, which nothing
    /// serves while the stacks under test bind any free port) is no error: its address is
    /// still in the address bar, which is what the checks read.
    async fn goto(&self, url: &str) {
        if let Err(e) = self.client.goto(url).await {
            assert!(
                e.to_string().contains("net::ERR_CONNECTION_REFUSED"),
                "goto {url}: {e}"
            );
        }
    }

    async fn url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// Waits for the address bar to match (a form's POST and its redirects).
    async fn wait_for_url(&self, what: &str, matches: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let url = self.url().await;
            if matches(&url) {
                return url;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "waited for {what}; at {url}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn fill(&self, field: &str, text: &str) {
        let input = self
            .client
            .find(Locator::Id(field))
            .await
            .unwrap_or_else(|e| panic!("#{field}: {e}"));
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
    }

    /// Clicks and waits until the page it was on is gone (the form's answer has loaded,
    /// even when that is the same page again with an error).
    async fn click_and_wait(&self, element: fantoccini::elements::Element) {
        element.click().await.unwrap();
        let started = Instant::now();
        while element.is_enabled().await.is_ok() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the page did not change"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn submit(&self) {
        let button = self
            .client
            .find(Locator::Css("button[type=submit]"))
            .await
            .unwrap();
        self.click_and_wait(button).await;
    }

    async fn follow(&self, link_text: &str) {
        let link = self
            .client
            .find(Locator::LinkText(link_text))
            .await
            .unwrap();
        self.click_and_wait(link).await;
    }

    async fn text_of(&self, css: &str) -> Option<String> {
        self.client
            .find(Locator::Css(css))
            .await
            .ok()?
            .text()
            .await
            .ok()
    }

    async fn alert(&self) -> String {
        self.text_of("[role=alert]")
            .await
            .unwrap_or_else(|| panic!("no alert on the page"))
    }

    async fn wait_for_heading(&self, heading: &str) {
        let started = Instant::now();
        while self.text_of("h1").await.as_deref() != Some(heading) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "waited for the page {heading:?}; at {}",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn sign_in(&self, email: &str, password: &str) {
        self.wait_for_heading("Sign in").await;
        self.fill("username", email).await;
        self.fill("password", password).await;
        self.submit().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        drop(self.watchdog.stdin.take());
        let _ = self.watchdog.wait();
        // Should the group kill have failed, the driver still ends.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// One authorization request with its PKCE verifier, state and nonce.
struct Authorization {
    url: String,
    verifier: String,
    state: String,
    nonce: String,
}

fn random() -> String {
    uuid::Uuid::new_v4().simple().to_string() + &uuid::Uuid::new_v4().simple().to_string()
}

fn authorization(stack: &StackInfo, redirect_uri: &str) -> Authorization {
    let verifier = random();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ));
    let (state, nonce) = (random(), random());
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", &stack.user_pool_client_id),
        ("redirect_uri", redirect_uri),
        ("scope", "openid email profile"),
        ("state", &state),
        ("nonce", &nonce),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ])
    .unwrap();
    Authorization {
        url: format!("{}/oauth2/authorize?{query}", stack.hosted_ui_url),
        verifier,
        state,
        nonce,
    }
}

/// The query of a URL the browser was sent to.
fn query_of(url: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(url.split_once('?').map_or("", |(_, q)| q)).unwrap()
}

fn param(url: &str, name: &str) -> Option<String> {
    query_of(url)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

/// The code the browser came back with, checking the state it carried.
fn returned_code(url: &str, authorization: &Authorization) -> String {
    assert!(
        url.starts_with(CALLBACK),
        "sent to the registered callback: {url}"
    );
    assert_eq!(
        param(url, "state").as_deref(),
        Some(authorization.state.as_str()),
        "state echoed: {url}"
    );
    param(url, "code").unwrap_or_else(|| panic!("a code: {url}"))
}

async fn token(stack: &StackInfo, form: &[(&str, &str)]) -> (u16, Value) {
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

async fn exchange(stack: &StackInfo, code: &str, verifier: &str) -> (u16, Value) {
    token(
        stack,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &stack.user_pool_client_id),
            ("code", code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", verifier),
        ],
    )
    .await
}

/// Sign-up, confirmation, tokens and the profile; then sign-out, sign-in, forgot password
/// and the local callback page; and every refusal the issue names.
pub async fn a_person_signs_up_and_in_through_the_hosted_ui(
    stack: &StackInfo,
    users: &Users,
    secrets: &Secrets,
) {
    let browser = Browser::start(None).await;
    let email = unique_email("hosted");
    secrets.remember(&email);
    secrets.remember(NEW_PASSWORD);

    // An unregistered redirect_uri is never redirected to: an error page on the Hosted UI.
    let evil = authorization(stack, "https://evil.example/callback");
    browser.goto(&evil.url).await;
    let at = browser.url().await;
    assert!(
        at.starts_with(&stack.hosted_ui_url),
        "stayed on the Hosted UI: {at}"
    );
    assert!(
        browser.alert().await.contains("redirect_mismatch"),
        "{}",
        browser.alert().await
    );

    // Sign-up: the form, then the code from the outbox (a wrong one first).
    let first = authorization(stack, CALLBACK);
    browser.goto(&first.url).await;
    browser.wait_for_heading("Sign in").await;
    browser.follow("Sign up").await;
    browser.wait_for_heading("Sign up").await;
    browser.fill("username", &email).await;
    browser
        .fill("name", "<script>document.title='pwned'</script>Ada")
        .await;
    browser.fill("password", "short").await;
    browser.submit().await;
    browser.wait_for_heading("Sign up").await;
    assert!(
        browser
            .alert()
            .await
            .contains("Password did not conform with policy"),
        "{}",
        browser.alert().await
    );
    browser.fill("password", PASSWORD).await;
    browser.submit().await;
    browser.wait_for_heading("Confirm your account").await;
    let code = users.latest_code(&email, "sign_up");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    browser.fill("code", wrong).await;
    browser.submit().await;
    browser.wait_for_heading("Confirm your account").await;
    assert!(
        browser.alert().await.contains("Invalid verification code"),
        "{}",
        browser.alert().await
    );
    browser.fill("code", &code).await;
    browser.submit().await;
    let back = browser
        .wait_for_url("the callback", |u| u.starts_with(CALLBACK))
        .await;
    let code = returned_code(&back, &first);

    // The exchange with the verifier; the ID token names the local issuer, the nonce,
    // the group PostConfirmation chose; the API serves the profile it wrote.
    let (status, tokens) = exchange(stack, &code, &first.verifier).await;
    assert_eq!(status, 200, "{tokens}");
    let id_token = tokens["id_token"].as_str().unwrap().to_string();
    let access_token = tokens["access_token"].as_str().unwrap().to_string();
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_string();
    for token in [&id_token, &access_token, &refresh_token] {
        secrets.remember(token);
    }
    let id = claims(&id_token);
    let issuer = format!("{}/{}", stack.aws_endpoint_url, stack.user_pool_id);
    assert_eq!(id["iss"], issuer.as_str());
    assert_eq!(id["aud"], stack.user_pool_client_id.as_str());
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["nonce"], first.nonce.as_str());
    assert_eq!(id["email"], email.as_str());
    assert_eq!(id["cognito:groups"], json!(["Patient"]));
    let access = claims(&access_token);
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["scope"], "openid email profile");
    let (status, profile) = test_support::http::send(
        "GET",
        &format!("{}/users/me", stack.api_url),
        &[("authorization", &id_token)],
        b"",
    )
    .await;
    assert_eq!(status, 200, "{profile}");
    let profile: Value = serde_json::from_str(&profile).unwrap();
    assert_eq!(profile["email"], email.as_str());
    assert_eq!(profile["user_type"], "Patient");

    // The code is spent.
    let (status, reused) = exchange(stack, &code, &first.verifier).await;
    assert_eq!(
        (status, reused["error"].as_str()),
        (400, Some("invalid_grant")),
        "{reused}"
    );

    // The issuer's discovery document and keys, where client libraries look for them.
    let (status, discovery) = test_support::http::send(
        "GET",
        &format!("{issuer}/.well-known/openid-configuration"),
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 200, "{discovery}");
    let discovery: Value = serde_json::from_str(&discovery).unwrap();
    assert_eq!(discovery["issuer"], issuer.as_str());
    assert_eq!(
        discovery["userinfo_endpoint"],
        format!("{}/oauth2/userInfo", stack.hosted_ui_url)
    );
    assert_eq!(
        discovery["end_session_endpoint"],
        format!("{}/logout", stack.hosted_ui_url)
    );
    let (status, keys) =
        test_support::http::send("GET", discovery["jwks_uri"].as_str().unwrap(), &[], b"").await;
    assert_eq!(status, 200);
    let kid = serde_json::from_slice::<Value>(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(id_token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap()["kid"]
        .clone();
    assert!(
        serde_json::from_str::<Value>(&keys).unwrap()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == kid),
        "{keys}"
    );

    // userInfo, refresh, and revocation, which ends both.
    let user_info = |token: String| async move {
        let bearer = format!("Bearer {token}");
        test_support::http::send(
            "GET",
            &format!("{}/oauth2/userInfo", stack.hosted_ui_url),
            &[("authorization", &bearer)],
            b"",
        )
        .await
    };
    let (status, info) = user_info(access_token.clone()).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(
        serde_json::from_str::<Value>(&info).unwrap()["email"],
        email.as_str()
    );
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", stack.user_pool_client_id.as_str()),
        ("refresh_token", refresh_token.as_str()),
    ];
    let (status, refreshed) = token(stack, &refresh).await;
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(
        claims(refreshed["id_token"].as_str().unwrap())["email"],
        email.as_str()
    );
    let revoke = serde_urlencoded::to_string([
        ("token", refresh_token.as_str()),
        ("client_id", stack.user_pool_client_id.as_str()),
    ])
    .unwrap();
    let (status, _) = test_support::http::send(
        "POST",
        &format!("{}/oauth2/revoke", stack.hosted_ui_url),
        &[("content-type", "application/x-www-form-urlencoded")],
        revoke.as_bytes(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, after) = token(stack, &refresh).await;
    assert_eq!(
        (status, after["error"].as_str()),
        (400, Some("invalid_grant")),
        "{after}"
    );
    let (status, _) = user_info(access_token.clone()).await;
    assert_eq!(
        status, 401,
        "a revoked grant's access token no longer works"
    );

    // Sign-out: the session ends, so the next authorize asks for a password again.
    let logout = format!(
        "{}/logout?client_id={}&logout_uri={}",
        stack.hosted_ui_url, stack.user_pool_client_id, SIGNED_OUT
    );
    browser.goto(&logout).await;
    browser
        .wait_for_url("the sign-out URL", |u| u.starts_with(SIGNED_OUT))
        .await;
    let second = authorization(stack, CALLBACK);
    browser.goto(&second.url).await;
    browser.sign_in(&email, "Wrong-Horse-9!").await;
    browser.wait_for_heading("Sign in").await;
    assert_eq!(browser.alert().await, "Incorrect username or password.");
    browser.sign_in(&email, PASSWORD).await;
    let back = browser
        .wait_for_url("the callback", |u| u.starts_with(CALLBACK))
        .await;
    let code = returned_code(&back, &second);
    // A wrong verifier is refused (and spends the code).
    let (status, refused) = exchange(stack, &code, &random()).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (400, Some("invalid_grant")),
        "{refused}"
    );
    let (status, refused) = exchange(stack, &code, &second.verifier).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (400, Some("invalid_grant")),
        "{refused}"
    );

    // Forgot password: the code from the outbox, a new password, then sign-in with it.
    browser.goto(&logout).await;
    browser
        .wait_for_url("the sign-out URL", |u| u.starts_with(SIGNED_OUT))
        .await;
    let third = authorization(stack, CALLBACK);
    browser.goto(&third.url).await;
    browser.wait_for_heading("Sign in").await;
    browser.follow("Forgot your password?").await;
    browser.wait_for_heading("Forgot your password?").await;
    browser.fill("username", &email).await;
    browser.submit().await;
    browser.wait_for_heading("Set a new password").await;
    browser
        .fill("code", &users.latest_code(&email, "forgot_password"))
        .await;
    browser.fill("password", NEW_PASSWORD).await;
    browser.submit().await;
    browser.sign_in(&email, PASSWORD).await;
    browser.wait_for_heading("Sign in").await;
    assert_eq!(
        browser.alert().await,
        "Incorrect username or password.",
        "the old password is gone"
    );
    browser.sign_in(&email, NEW_PASSWORD).await;
    let back = browser
        .wait_for_url("the callback", |u| u.starts_with(CALLBACK))
        .await;
    let code = returned_code(&back, &third);
    assert_eq!(exchange(stack, &code, &third.verifier).await.0, 200);

    // The local callback page: the runner's own flow, followed to this stack's port. The
    // name with a <script> renders as text.
    let (status, started) = test_support::http::send(
        "POST",
        &format!("{}/local/authorize-url", stack.hosted_ui_url),
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 200, "{started}");
    browser.goto(started.trim()).await;
    let back = browser
        .wait_for_url("the callback", |u| u.starts_with(CALLBACK))
        .await;
    // (A stack on the default port served the callback itself.)
    if !stack.hosted_ui_url.starts_with("http://localhost:8976") {
        browser
            .goto(&back.replace("http://localhost:8976", &stack.hosted_ui_url))
            .await;
    }
    browser.wait_for_heading("Signed in").await;
    let status = browser
        .client
        .find(Locator::Id("status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(status, "200");
    let shown = browser
        .client
        .find(Locator::Id("profile"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(shown.contains(&email), "{shown}");
    let claims_shown = browser
        .client
        .find(Locator::Id("claims"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        claims_shown.contains("<script>document.title='pwned'</script>Ada"),
        "{claims_shown}"
    );
    assert!(
        browser
            .client
            .find_all(Locator::Css("script"))
            .await
            .unwrap()
            .is_empty(),
        "no script element"
    );
    assert_ne!(browser.client.title().await.unwrap(), "pwned");

    let _ = browser.client.clone().close().await;
}

/// What bad input gets, over plain HTTP: Cognito's error page, `error` redirect to the
/// registered URI (with `state`) or JSON 400; a CSRF-less form is refused; nothing is
/// echoed unescaped; never a 5xx.
pub async fn the_hosted_ui_refuses_bad_input(stack: &StackInfo) {
    let hosted = &stack.hosted_ui_url;
    let get = |path: String| async move {
        test_support::http::exchange("GET", &format!("{hosted}{path}"), &[], b"").await
    };
    let client = &stack.user_pool_client_id;
    let callback = serde_urlencoded::to_string([("redirect_uri", CALLBACK)]).unwrap();

    // No client, an unknown one, an unregistered redirect_uri, a malformed query: a page.
    for path in [
        "/oauth2/authorize?response_type=code".to_string(),
        format!("/oauth2/authorize?response_type=code&client_id=nope&{callback}"),
        format!(
            "/oauth2/authorize?response_type=code&client_id={client}&redirect_uri=https%3A%2F%2Fevil.example%2F"
        ),
        format!("/login?client_id={client}&client_id={client}&{callback}"),
        format!("/signup?client_id={client}&redirect_uri=%ZZ"),
        format!("/confirm?client_id={client}&response_type=code&{callback}"),
        "/nowhere".to_string(),
    ] {
        let reply = get(path.clone()).await;
        assert!(
            (400..500).contains(&reply.status),
            "{path}: {}",
            reply.status
        );
        assert_eq!(reply.header("location"), None, "{path} redirects nowhere");
    }
    // With a registered redirect_uri, Cognito's error redirect, state included.
    for (query, error) in [
        ("response_type=token", "unauthorized_client"),
        ("response_type=code&scope=openid+phone", "invalid_scope"),
        (
            "response_type=code&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=plain",
            "invalid_request",
        ),
        (
            "response_type=code&code_challenge=short&code_challenge_method=S256",
            "invalid_request",
        ),
    ] {
        let reply = get(format!(
            "/oauth2/authorize?client_id={client}&{callback}&state=s%261&{query}"
        ))
        .await;
        assert_eq!(reply.status, 302, "{query}");
        let location = reply.header("location").unwrap();
        assert!(location.starts_with(CALLBACK), "{location}");
        assert_eq!(
            param(location, "error").as_deref(),
            Some(error),
            "{location}"
        );
        assert_eq!(
            param(location, "state").as_deref(),
            Some("s&1"),
            "{location}"
        );
    }

    // A form posted without the page's CSRF token (another site's, say) is refused.
    let page = format!("{hosted}/login?client_id={client}&response_type=code&{callback}");
    let form = serde_urlencoded::to_string([("username", "a@example.com"), ("password", PASSWORD)])
        .unwrap();
    let urlencoded = ("content-type", "application/x-www-form-urlencoded");
    let (status, _) = test_support::http::send("POST", &page, &[urlencoded], form.as_bytes()).await;
    assert_eq!(status, 403);
    let forged = format!("{form}&_csrf=guess");
    let (status, _) = test_support::http::send(
        "POST",
        &page,
        &[urlencoded, ("cookie", "XSRF-TOKEN=other")],
        forged.as_bytes(),
    )
    .await;
    assert_eq!(status, 403);

    // What a form carries comes back escaped.
    let signup = page.replace("/login?", "/signup?");
    let fields = serde_urlencoded::to_string([
        ("_csrf", "t"),
        ("username", "<script>alert(1)</script>@example.com"),
        ("name", "\"><script>alert(2)</script>"),
        ("password", "short"),
    ])
    .unwrap();
    let reply = test_support::http::exchange(
        "POST",
        &signup,
        &[urlencoded, ("cookie", "XSRF-TOKEN=t")],
        fields.as_bytes(),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(!reply.body.contains("<script>"), "{}", reply.body);
    assert!(
        reply.body.contains("&lt;script&gt;alert(2)"),
        "{}",
        reply.body
    );

    // The token endpoint: JSON 400s with Cognito's error codes.
    let token_error = |form: Vec<(&'static str, String)>, content_type: &'static str| async move {
        let body = serde_urlencoded::to_string(&form).unwrap();
        let (status, body) = test_support::http::send(
            "POST",
            &format!("{hosted}/oauth2/token"),
            &[("content-type", content_type)],
            body.as_bytes(),
        )
        .await;
        let body: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("JSON: {body}"));
        (
            status,
            body["error"].as_str().unwrap_or_default().to_string(),
        )
    };
    let client = client.to_string();
    for (form, content_type, error) in [
        (
            vec![("grant_type", "password".to_string())],
            "application/x-www-form-urlencoded",
            "unsupported_grant_type",
        ),
        (
            vec![
                ("grant_type", "authorization_code".to_string()),
                ("client_id", client.clone()),
            ],
            "application/x-www-form-urlencoded",
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "authorization_code".to_string()),
                ("client_id", "nope".to_string()),
                ("code", "x".to_string()),
                ("redirect_uri", CALLBACK.to_string()),
            ],
            "application/x-www-form-urlencoded",
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "authorization_code".to_string()),
                ("client_id", client.clone()),
                ("code", "made-up".to_string()),
                ("redirect_uri", CALLBACK.to_string()),
            ],
            "application/x-www-form-urlencoded",
            "invalid_grant",
        ),
        (
            vec![
                ("grant_type", "refresh_token".to_string()),
                ("client_id", client.clone()),
                ("refresh_token", "made-up".to_string()),
            ],
            "application/x-www-form-urlencoded",
            "invalid_grant",
        ),
        (
            vec![("grant_type", "authorization_code".to_string())],
            "application/json",
            "invalid_request",
        ),
    ] {
        assert_eq!(
            token_error(form.clone(), content_type).await,
            (400, error.to_string()),
            "{form:?}"
        );
    }
    // userInfo without a valid access token: 401 with a Bearer challenge.
    for header in [None, Some("Bearer not-a-token")] {
        let headers: Vec<(&str, &str)> = header.map(|h| ("authorization", h)).into_iter().collect();
        let reply = test_support::http::exchange(
            "GET",
            &format!("{hosted}/oauth2/userInfo"),
            &headers,
            b"",
        )
        .await;
        assert_eq!(reply.status, 401);
        assert!(
            reply
                .header("www-authenticate")
                .unwrap()
                .starts_with("Bearer")
        );
    }
}

/// One HTTP/1.1 exchange with the HTTPS listener, trusting only the stack's certificate,
/// for the name `localhost`: the status line and headers of the answer.
async fn over_tls(stack: &StackInfo, request: &str) -> String {
    use rustls::pki_types::pem::PemObject;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let certificate =
        rustls::pki_types::CertificateDer::from_pem_file(&stack.hosted_ui_certificate).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(certificate).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let port = stack.hosted_ui_https_url.rsplit(':').next().unwrap();
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap()))
        .await
        .unwrap();
    let mut tls = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
        .connect("localhost".try_into().unwrap(), tcp)
        .await
        .unwrap_or_else(|e| panic!("the certificate is valid for localhost: {e}"));
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    let _ = tls.read_to_string(&mut answer).await;
    answer
}

/// Amplify's `signInWithRedirect` in a web app: the Hosted UI over HTTPS (a certificate
/// for localhost that verifies once trusted as the README says), sign-in there, the redirect with the code,
/// then the token exchange by `fetch` from the app's own origin (CORS, preflight included,
/// as Amplify's user-agent header causes one).
pub async fn amplify_signs_in_over_https(stack: &StackInfo, users: &Users, secrets: &Secrets) {
    assert!(stack.hosted_ui_https_url.starts_with("https://localhost:"));
    let preflight = over_tls(
        stack,
        "OPTIONS /oauth2/token HTTP/1.1\r\nHost: localhost\r\nOrigin: http://localhost:3000\r\n\
         Access-Control-Request-Method: POST\r\n\
         Access-Control-Request-Headers: content-type,x-amz-user-agent\r\nConnection: close\r\n\r\n",
    )
    .await
    .to_ascii_lowercase();
    assert!(preflight.starts_with("http/1.1 204"), "{preflight}");
    for header in [
        "access-control-allow-origin: *",
        "access-control-allow-methods: get, post, options",
        "access-control-allow-headers: content-type,x-amz-user-agent",
    ] {
        assert!(preflight.contains(header), "{header}: {preflight}");
    }
    // The sign-in pages are not for other origins' scripts.
    let login = over_tls(
        stack,
        "GET /login HTTP/1.1\r\nHost: localhost\r\nOrigin: http://localhost:3000\r\nConnection: close\r\n\r\n",
    )
    .await
    .to_ascii_lowercase();
    assert!(!login.contains("access-control-allow-origin"), "{login}");

    let person = users
        .signed_up_and_confirmed("amplify.patient", &[("custom:user_type", "Patient")])
        .await;
    secrets.remember(&person.email);
    let browser = Browser::start(Some(&stack.hosted_ui_certificate)).await;
    let mut authorization = authorization(stack, CALLBACK);
    authorization.url =
        authorization
            .url
            .replacen(&stack.hosted_ui_url, &stack.hosted_ui_https_url, 1);
    browser.goto(&authorization.url).await;
    assert!(
        browser.url().await.starts_with(&stack.hosted_ui_https_url),
        "the login page over HTTPS: {}",
        browser.url().await
    );
    browser.sign_in(&person.email, PASSWORD).await;
    let back = browser
        .wait_for_url("the callback", |u| u.starts_with(CALLBACK))
        .await;
    let code = returned_code(&back, &authorization);

    // The app's page: another origin than the Hosted UI's.
    browser
        .goto(&format!("{}/local/signed-out", stack.hosted_ui_url))
        .await;
    let body = serde_urlencoded::to_string([
        ("grant_type", "authorization_code"),
        ("client_id", stack.user_pool_client_id.as_str()),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", authorization.verifier.as_str()),
    ])
    .unwrap();
    let answer = browser
        .client
        .execute_async(
            r#"const [url, body, done] = arguments;
               fetch(url, {method: "POST", body,
                           headers: {"Content-Type": "application/x-www-form-urlencoded",
                                     "X-Amz-User-Agent": "aws-amplify/6 e2e"}})
                 .then(async r => done({status: r.status, body: await r.text()}))
                 .catch(e => done({error: String(e)}));"#,
            vec![
                json!(format!("{}/oauth2/token", stack.hosted_ui_https_url)),
                json!(body),
            ],
        )
        .await
        .unwrap();
    assert_eq!(answer["status"], 200, "{answer}");
    let tokens: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    for token in ["id_token", "access_token", "refresh_token"] {
        secrets.remember(tokens[token].as_str().unwrap_or_default());
    }
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["email"], person.email.as_str());
    assert_eq!(id["nonce"], authorization.nonce.as_str());

    let _ = browser.client.clone().close().await;
}
