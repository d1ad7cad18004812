"""Baseline for the `post-confirmation` trigger, as the reference implementations write it:
a Python 3 Lambda handler with boto3. Same Cognito event, the same self-service decision,
the same TransactWriteItems (profile, conditional on absence, plus the per-type counter),
the same read-back on a retry, and the same AdminAddUserToGroup.
"""

import datetime
import logging
import os
import re

import boto3

TABLE_NAME = os.environ["PROFILE_TABLE_NAME"]
SHARDS = int(os.environ["PROFILE_SHARDS"])
SELF_SERVICE = {t.strip() for t in os.environ["SELF_SERVICE_USER_TYPES"].split(",") if t.strip()}
# Built once per instance, at init, as the Rust function builds its SDK clients.
dynamodb = boto3.client("dynamodb")
cognito = boto3.client("cognito-idp")
log = logging.getLogger()

USER_TYPES = {"Patient", "Doctor", "Admin"}
# What the Rust domain checks before an optional attribute goes into the profile.
OPTIONAL = {
    "email": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    "name": re.compile(r"^\S.{0,99}$"),
    "phone_number": re.compile(r"^\+[1-9][0-9]{6,14}$"),
    "custom:dob": re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    "custom:gender": re.compile(r"^(female|male|non_binary|other|prefer_not_to_say)$"),
    "custom:blood_group": re.compile(r"^(A|B|AB|O)[+-]$"),
}


def timestamp(now):
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def new_item(sub, username, attributes, now):
    requested = attributes.get("custom:user_type")
    user_type = requested if requested in USER_TYPES else "Patient"
    status = "active" if user_type in SELF_SERVICE else "pending_review"
    item = {
        "PK": {"S": f"USER#{sub}"}, "SK": {"S": "PROFILE"},
        "user_id": {"S": sub}, "username": {"S": username},
        "user_type": {"S": user_type}, "status": {"S": status},
        "created_at": {"S": timestamp(now)}, "updated_at": {"S": timestamp(now)},
        "list_pk": {"S": f"{user_type}#{status}#{shard_of(sub):02}"},
        "list_sk": {"S": f"{timestamp(now)}#{sub}"},
        "version": {"N": "1"},
    }
    for attribute, pattern in OPTIONAL.items():
        value = attributes.get(attribute)
        if value is None:
            continue
        if pattern.match(value):
            item[attribute.removeprefix("custom:")] = {"S": value}
        else:
            log.warning("attribute %s left out of the profile", attribute)
    return item


def shard_of(sub):
    """The Rust adapter's shard: FNV-1a of the id, modulo PROFILE_SHARDS."""
    h = 0xCBF29CE484222325
    for byte in sub.encode():
        h = ((h ^ byte) * 0x100000001B3) % 2**64
    return h % SHARDS


def handler(event, context):
    source = event.get("triggerSource")
    if source == "PostConfirmation_ConfirmForgotPassword":
        return event
    if source != "PostConfirmation_ConfirmSignUp":
        raise ValueError("unsupported trigger source")
    attributes = event["request"]["userAttributes"]
    sub, username, pool = attributes["sub"], event["userName"], event["userPoolId"]

    item = new_item(sub, username, attributes, datetime.datetime.now(datetime.timezone.utc))
    try:
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE_NAME, "Item": item,
                     "ConditionExpression": "attribute_not_exists(PK)"}},
            {"Update": {"TableName": TABLE_NAME,
                        "Key": {"PK": {"S": f"METRICS#{shard_of(sub):02}"}, "SK": {"S": "COUNTS"}},
                        "UpdateExpression": "ADD #count :delta",
                        "ExpressionAttributeNames": {
                            "#count": f"{item['user_type']['S']}#{item['status']['S']}"},
                        "ExpressionAttributeValues": {":delta": {"N": "1"}}}},
        ])
    except dynamodb.exceptions.TransactionCanceledException as e:
        reasons = e.response.get("CancellationReasons") or []
        if not any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
            raise
        # A retry: decide the group from what the first attempt stored.
        item = dynamodb.get_item(TableName=TABLE_NAME, Key={"PK": item["PK"], "SK": item["SK"]},
                                 ConsistentRead=True)["Item"]
    if item["status"]["S"] == "active":
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=item["username"]["S"],
                                        GroupName=item["user_type"]["S"])
    log.info("confirmation handled for %s", sub)
    return event
