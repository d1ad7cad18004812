#!/usr/bin/env python3
"""Users and profiles that an upgrade must keep (`just test-pipeline-emulator`).

  upgrade_users.py seed ENDPOINT OUTPUTS_JSON STATE_JSON
      signs two users up in the applied pool (admin-created, permanent password) and writes
      a profile item for each in the profile table; records who they are in STATE_JSON
  upgrade_users.py verify ENDPOINT OUTPUTS_JSON STATE_JSON
      after the upgrade: the pool and table are the same ones, each user signs in with their
      password (USER_PASSWORD_AUTH) and their profile item reads back unchanged

OUTPUTS_JSON is `terraform output -json` of the applied root module. The passwords are
throwaway values of this test; nothing here is printed but the users' count.
"""

import json
import secrets
import sys

import boto3


def clients(endpoint: str, region: str):
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=region)
    return session.client("cognito-idp", endpoint_url=endpoint), session.client("dynamodb", endpoint_url=endpoint)


def outputs(path: str) -> dict:
    return {name: value["value"] for name, value in json.load(open(path)).items()}


def seed(endpoint: str, out: dict, state_path: str) -> None:
    cognito, dynamodb = clients(endpoint, out["region"])
    users = []
    for n in range(2):
        email = f"upgrade-{n}@example.org"
        password = "Up-" + secrets.token_urlsafe(12) + "9a!"
        created = cognito.admin_create_user(
            UserPoolId=out["user_pool_id"], Username=email, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        )
        cognito.admin_set_user_password(UserPoolId=out["user_pool_id"], Username=email, Password=password, Permanent=True)
        sub = next(a["Value"] for a in created["User"]["Attributes"] if a["Name"] == "sub")
        item = {
            "PK": {"S": f"USER#{sub}"}, "SK": {"S": "PROFILE"}, "user_id": {"S": sub}, "email": {"S": email},
            "name": {"S": f"Upgrade {n}"}, "user_type": {"S": "Patient"}, "status": {"S": "active"},
            "created_at": {"S": "2026-01-01T00:00:00Z"}, "updated_at": {"S": "2026-01-01T00:00:00Z"}, "version": {"N": "1"},
        }
        dynamodb.put_item(TableName=out["table_name"], Item=item)
        users.append({"email": email, "password": password, "sub": sub, "item": item})
    json.dump({"user_pool_id": out["user_pool_id"], "table_name": out["table_name"], "users": users}, open(state_path, "w"))
    print(f"upgrade: {len(users)} users and profiles seeded")


def verify(endpoint: str, out: dict, state_path: str) -> None:
    state = json.load(open(state_path))
    cognito, dynamodb = clients(endpoint, out["region"])
    if (out["user_pool_id"], out["table_name"]) != (state["user_pool_id"], state["table_name"]):
        sys.exit("upgrade: the user pool or the profile table was replaced")
    for user in state["users"]:
        signed_in = cognito.initiate_auth(
            ClientId=out["user_pool_client_id"], AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user["email"], "PASSWORD": user["password"]},
        )
        if "IdToken" not in signed_in.get("AuthenticationResult", {}):
            sys.exit("upgrade: a user seeded before the upgrade cannot sign in")
        stored = dynamodb.get_item(TableName=out["table_name"], Key={"PK": user["item"]["PK"], "SK": user["item"]["SK"]}, ConsistentRead=True)
        if stored.get("Item") != user["item"]:
            sys.exit("upgrade: a profile written before the upgrade is gone or changed")
    print(f"upgrade: {len(state['users'])} users sign in and their profiles read back unchanged")


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] not in ("seed", "verify"):
        sys.exit("usage: upgrade_users.py seed|verify ENDPOINT OUTPUTS_JSON STATE_JSON")
    {"seed": seed, "verify": verify}[sys.argv[1]](sys.argv[2], outputs(sys.argv[3]), sys.argv[4])
