"""A second real Cognito client library against the local stack: pycognito signs in with
USER_SRP_AUTH (a wrong password, then the right one) and verifies both tokens against the
issuer a custom endpoint implies, `{endpoint}/{user pool id}`, with the JWKS served there.
Then it reads the user, refreshes, signs out everywhere, and tries the old tokens again.
Prints one JSON report, shaped as sign_in.cjs's; the e2e suite
(lambdas/local-runner/tests/e2e/secrets.rs) judges it.

usage: python sign_in.py <aws_endpoint_url> <user_pool_id> <client_id> <username>
       (the right password, then a wrong one, on stdin, one per line)
"""

import json
import sys

from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from pycognito import Cognito


def failure(error):
    if isinstance(error, ClientError):
        return {"code": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}
    return {"code": type(error).__name__, "message": str(error)}


def main():
    endpoint, pool_id, client_id, username = sys.argv[1:5]
    password, wrong_password = sys.stdin.read().split("\n")[:2]
    region = pool_id.split("_", 1)[0]

    # An app holds no AWS credentials: every call here is one of Cognito's public
    # operations, which AWS serves unsigned (and the local front too).
    def user():
        return Cognito(pool_id, client_id, user_pool_region=region, username=username,
                       boto3_client_kwargs={"endpoint_url": endpoint,
                                            "config": Config(signature_version=UNSIGNED)})

    report = {}
    try:
        user().authenticate(password=wrong_password)
        report["wrong_password"] = "signed in"
    except Exception as error:  # the library raises botocore's and its own errors
        report["wrong_password"] = failure(error)

    person = user()
    try:
        # Verifies the ID and access tokens' signature, issuer, audience and use.
        person.authenticate(password=password)
    except Exception as error:
        report["right_password"] = failure(error)
        print(json.dumps(report))
        return
    old = {"id_token": person.id_token, "access_token": person.access_token,
           "refresh_token": person.refresh_token}
    report["right_password"] = old
    report["get_user"] = sorted(person.get_user()._data)  # the attributes' names
    try:
        person.renew_access_token()
        person.verify_tokens()
        report["refreshed"] = {"id_token": person.id_token, "access_token": person.access_token}
    except Exception as error:
        report["refreshed"] = failure(error)
    try:
        person.logout()
        report["global_sign_out"] = "ok"
    except Exception as error:
        report["global_sign_out"] = failure(error)
    try:
        person.client.get_user(AccessToken=old["access_token"])
        report["get_user_after_sign_out"] = "still answered"
    except Exception as error:
        report["get_user_after_sign_out"] = failure(error)
    try:
        person.client.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                    AuthParameters={"REFRESH_TOKEN": old["refresh_token"]})
        report["refresh_after_sign_out"] = "still refreshed"
    except Exception as error:
        report["refresh_after_sign_out"] = failure(error)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
