"""Baseline for `users-api`'s GET /users/{id}, as the reference implementations write it:
a Python 3 Lambda handler with boto3. Same event (API Gateway REST proxy with the Cognito
authorizer's claims), same checks and the same work as the Rust handler on this route:
routing by method and resource, the caller from the claims, `{id}` (`me` or a sub), the
access policy, the DynamoDB GetItem, completing a group the token lacks, the access-log
entry (PutItem, before the answer leaves), the JSON log line, CORS and security headers,
the ETag. Only GET /users/{id} (and the stage's GET /health) is implemented: it is what the
bench compares; a missing own profile is a 404 here (Rust creates it from the claims).
"""

import datetime
import json
import os
import re
import sys
import time
import uuid

import boto3

TABLE_NAME = os.environ["PROFILE_TABLE_NAME"]
ACCESS_LOG_TABLE_NAME = os.environ.get("ACCESS_LOG_TABLE_NAME", "access-log")
RETENTION = datetime.timedelta(days=int(os.environ.get("ACCESS_LOG_RETENTION_DAYS", "2190")))
USER_POOL_ID = os.environ.get("USER_POOL_ID", "")
CORS_ALLOWED_ORIGINS = [o.strip() for o in os.environ.get("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip()]
# Built once per instance, at init, as the Rust function builds its SDK clients.
dynamodb = boto3.client("dynamodb")
_cognito = None
# Where the log lines go (Lambda collects stdout); the overhead benchmark discards them.
log_stream = sys.stdout

USER_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}\Z")
GROUP_NAMES = {"Patient", "Doctor", "Admin"}
# The routes the Rust function serves, by resource; the baseline answers two of them.
ROUTES = {
    "/health": {"GET": "health"},
    "/users": {"GET": None, "OPTIONS": None},
    "/users/{id}": {"GET": "get_user", "PUT": None, "DELETE": None, "OPTIONS": None},
    "/users/{id}/picture-upload-url": {"POST": None, "OPTIONS": None},
    "/admin/metrics": {"GET": None, "OPTIONS": None},
    "/users/{id}/access-log": {"GET": None, "OPTIONS": None},
}
# The fields the API returns: an allow-list, so internal attributes never leak.
TEXT_FIELDS = ("user_id", "email", "name", "phone_number", "dob", "gender", "blood_group",
               "user_type", "status", "picture_key", "created_at", "updated_at")


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def timestamp(at):
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def groups_of(claims):
    """`cognito:groups` as API Gateway passes it: "A,B", "[A B]" or a list."""
    value = claims.get("cognito:groups") or ""
    names = value if isinstance(value, list) else re.split(r"[,\s]+", value.strip().strip("[]"))
    return sorted({name.strip() for name in names if name.strip() in GROUP_NAMES})


def record_access(entry):
    """The access-log entry, as the Rust adapter writes it: conditional on a new key."""
    at = timestamp(entry["at"])
    target = entry["target"]
    item = {
        "PK": {"S": f"TARGET#{target}" if target else f"ACTOR#{entry['actor']}"},
        "SK": {"S": f"{at}#{entry['request_id']}"},
        "at": {"S": at}, "request_id": {"S": entry["request_id"]},
        "actor_sub": {"S": entry["actor"]},
        "actor_groups": {"L": [{"S": g} for g in entry["actor_groups"]]},
        "action": {"S": entry["action"]}, "outcome": {"S": entry["outcome"]},
        "fields": {"L": []},
        "expires_at": {"N": str(int((entry["at"] + RETENTION).timestamp()))},
    }
    if target:
        item["target_sub"] = {"S": target}
    try:
        dynamodb.put_item(TableName=ACCESS_LOG_TABLE_NAME, Item=item,
                          ConditionExpression="attribute_not_exists(PK)")
    except Exception as e:
        # Stored by an earlier attempt of this same put (boto3 retried it): recorded.
        if getattr(e, "response", {}).get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise


def complete_group(sub, group):
    global _cognito
    if _cognito is None:
        _cognito = boto3.client("cognito-idp")
    _cognito.admin_add_user_to_group(UserPoolId=USER_POOL_ID, Username=sub, GroupName=group)


def get_user(event, claims, attempt):
    caller = claims.get("sub") or ""
    if not USER_ID.match(caller):
        raise ApiError(401, "unauthenticated", "the request carries no valid identity")
    groups = groups_of(claims)
    target = ((event.get("pathParameters") or {}).get("id")) or ""
    if target == "me":
        target = caller
    if not USER_ID.match(target):
        raise ApiError(400, "invalid_user_id", "{id} must be `me` or a user id")
    attempt.update(actor=caller, actor_groups=groups, target=target, action="read")
    if target != caller and "Admin" not in groups:
        raise ApiError(403, "forbidden", "you may only read your own profile")

    item = dynamodb.get_item(
        TableName=TABLE_NAME,
        Key={"PK": {"S": f"USER#{target}"}, "SK": {"S": "PROFILE"}},
        ConsistentRead=True,
    ).get("Item")
    if item is None:
        raise ApiError(404, "not_found", "no profile with that id")
    body = {name: item[name]["S"] if name in item else None for name in TEXT_FIELDS}
    body["version"] = int(item["version"]["N"])
    granted = body["user_type"] if body["status"] == "active" else None
    if target == caller and granted and granted not in groups:
        complete_group(caller, granted)
    return 200, body, {"etag": f'"{body["version"]}"'}


def handler(event, context):
    started = time.perf_counter()
    context_ = event.get("requestContext") or {}
    resource = context_.get("resourcePath") or ""
    method = event.get("httpMethod") or ""
    request_id = context_.get("requestId") or ""
    claims = (context_.get("authorizer") or {}).get("claims") or {}
    attempt = {}
    try:
        methods = ROUTES.get(resource)
        if methods is None:
            raise ApiError(404, "not_found", "no such route")
        if method not in methods:
            raise ApiError(405, "method_not_allowed", "this resource does not support that method")
        if methods[method] == "health":
            status, body, headers = 200, {"status": "ok"}, {}
        elif methods[method] == "get_user":
            status, body, headers = get_user(event, claims, attempt)
        else:
            raise ApiError(404, "not_found", "no such route")
        outcome, code = "allowed", ""
    except ApiError as e:
        status, body, headers = e.status, {"error": {"code": e.code, "message": e.message}}, {}
        outcome = {401: "rejected", 400: "rejected", 403: "denied", 404: "not_found"}.get(e.status, "rejected")
        code = e.code
    if attempt:
        # No answer leaves unrecorded: an entry that cannot be written is a 503.
        attempt.update(at=datetime.datetime.now(datetime.timezone.utc), outcome=outcome,
                       request_id=request_id if REQUEST_ID.match(request_id) else uuid.uuid4().hex)
        try:
            record_access(attempt)
        except Exception:
            status, headers, code = 503, {"Retry-After": "2"}, "service_unavailable"
            body = {"error": {"code": code, "message": "a dependency is unavailable; retry shortly"}}
    # Only ids, route and outcome: never bodies, claims, e-mail or URLs.
    log_stream.write(json.dumps({
        "level": "INFO", "message": "request handled", "request_id": request_id, "method": method,
        "resource": resource, "caller": claims.get("sub") or "", "status": status, "error": code,
        "cause": "", "duration_ms": (time.perf_counter() - started) * 1000,
    }) + "\n")

    out = {"content-type": "application/json", "cache-control": "no-store", "x-content-type-options": "nosniff"}
    if CORS_ALLOWED_ORIGINS:
        out["vary"] = "Origin"
    # Header names are case-insensitive; API Gateway passes them as the client spelled them.
    origin = next((v for k, v in (event.get("headers") or {}).items() if k.lower() == "origin"), None)
    if origin is not None and origin in CORS_ALLOWED_ORIGINS:
        out.update({
            "access-control-allow-origin": origin,
            "access-control-allow-methods": "GET, PUT, POST, DELETE, OPTIONS",
            "access-control-allow-headers": "Authorization, Content-Type, If-Match",
            "access-control-expose-headers": "ETag, Retry-After",
            "access-control-max-age": "600",
        })
    out.update(headers)
    return {"statusCode": status, "headers": out, "body": json.dumps(body), "isBase64Encoded": False}
