// A real Cognito client library against the local stack: amazon-cognito-identity-js signs
// in with USER_SRP_AUTH (a wrong password, then the right one), reads the user, refreshes
// the session, signs out everywhere, and tries the old tokens again. Prints one JSON report;
// the e2e suite (lambdas/local-runner/tests/e2e/secrets.rs) judges it.
//
// usage: node sign_in.cjs <aws_endpoint_url> <user_pool_id> <client_id> <username>
//        (the right password, then a wrong one, on stdin, one per line)
"use strict";
const {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} = require("amazon-cognito-identity-js");

const [endpoint, userPoolId, clientId, username] = process.argv.slice(2);
const [password, wrongPassword] = require("fs").readFileSync(0, "utf8").split("\n");
const pool = new CognitoUserPool({ UserPoolId: userPoolId, ClientId: clientId, endpoint });

const failure = (e) => ({ code: e.code || e.name || "Error", message: String(e.message) });

function signIn(secret) {
  const user = new CognitoUser({ Username: username, Pool: pool });
  const details = new AuthenticationDetails({ Username: username, Password: secret });
  return new Promise((resolve) => {
    user.authenticateUser(details, {
      onSuccess: (session) => resolve({ user, session }),
      onFailure: (e) => resolve({ error: failure(e) }),
      newPasswordRequired: () => resolve({ error: { code: "NEW_PASSWORD_REQUIRED" } }),
    });
  });
}

const call = (f) =>
  new Promise((resolve) => f((e, result) => resolve(e ? { error: failure(e) } : { result })));

const tokens = (session) => ({
  id_token: session.getIdToken().getJwtToken(),
  access_token: session.getAccessToken().getJwtToken(),
  refresh_token: session.getRefreshToken().getToken(),
});

(async () => {
  const report = {};
  report.wrong_password = (await signIn(wrongPassword)).error || "signed in";
  const { user, session, error } = await signIn(password);
  if (error) {
    report.right_password = error;
    console.log(JSON.stringify(report));
    return;
  }
  report.right_password = tokens(session);
  const attributes = await call((done) => user.getUserAttributes(done));
  report.get_user = attributes.error || attributes.result.map((a) => a.getName()).sort();
  const refreshed = await call((done) => user.refreshSession(session.getRefreshToken(), done));
  report.refreshed = refreshed.error || tokens(refreshed.result);
  const signedOut = await call((done) =>
    user.globalSignOut({ onSuccess: () => done(null, "ok"), onFailure: (e) => done(e) }),
  );
  report.global_sign_out = signedOut.error || signedOut.result;
  // The library forgets the session on sign-out, so the old tokens go out through its
  // own request client: the server must refuse them.
  const old = tokens(session);
  const after = await call((done) =>
    pool.client.request("GetUser", { AccessToken: old.access_token }, done),
  );
  report.get_user_after_sign_out = after.error || "still answered";
  const refreshAfter = await call((done) =>
    pool.client.request(
      "InitiateAuth",
      {
        AuthFlow: "REFRESH_TOKEN_AUTH",
        ClientId: clientId,
        AuthParameters: { REFRESH_TOKEN: old.refresh_token },
      },
      done,
    ),
  );
  report.refresh_after_sign_out = refreshAfter.error || "still refreshed";
  console.log(JSON.stringify(report));
})().catch((e) => {
  console.log(JSON.stringify({ crashed: String(e && e.stack) }));
  process.exit(1);
});
