"""Baseline for `users-api`'s GET /users/{id}, as the reference implementations write it:
a Python 3 Lambda handler with boto3. Same event (API Gateway REST proxy with the Cognito
authorizer's claims), same checks, the same DynamoDB GetItem and the same JSON shape.
Only GET /users/{id} (and the stage's GET /health) is implemented: it is what the bench compares.
"""

import json
import os
import re

import boto3

TABLE_NAME = os.environ["PROFILE_TABLE_NAME"]
# Built once per instance, at init, as the Rust function builds its SDK clients.
dynamodb = boto3.client("dynamodb")

USER_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
GROUP_NAMES = {"Patient", "Doctor", "Admin"}
# The fields the API returns: an allow-list, so internal attributes never leak.
TEXT_FIELDS = ("user_id", "email", "name", "phone_number", "dob", "gender", "blood_group",
               "user_type", "status", "picture_key", "created_at", "updated_at")


def reply(status, body, headers=None):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def error(status, code, message):
    return reply(status, {"error": {"code": code, "message": message}})


def groups_of(claims):
    """`cognito:groups` as API Gateway passes it: "A,B", "[A B]" or a list."""
    value = claims.get("cognito:groups") or ""
    names = value if isinstance(value, list) else re.split(r"[,\s]+", value.strip("[]"))
    return {name for name in names if name in GROUP_NAMES}


def handler(event, context):
    if event.get("resource") == "/health":
        return reply(200, {"status": "ok"})
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims") or {}
    caller = claims.get("sub") or ""
    if not USER_ID.match(caller):
        return error(401, "unauthorized", "the token carries no valid subject")
    target = ((event.get("pathParameters") or {}).get("id")) or ""
    if target == "me":
        target = caller
    if not USER_ID.match(target):
        return error(400, "invalid_request", "id must be a Cognito sub or `me`")
    if target != caller and "Admin" not in groups_of(claims):
        return error(403, "forbidden", "you may only read your own profile")

    item = dynamodb.get_item(
        TableName=TABLE_NAME,
        Key={"PK": {"S": f"USER#{target}"}, "SK": {"S": "PROFILE"}},
        ConsistentRead=True,
    ).get("Item")
    if item is None:
        return error(404, "not_found", "no profile with that id")
    body = {name: item[name]["S"] if name in item else None for name in TEXT_FIELDS}
    body["version"] = int(item["version"]["N"])
    return reply(200, body, {"etag": f'"{body["version"]}"'})
