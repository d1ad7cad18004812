"""The Python GET handler without I/O, for the Rust criterion benchmark's column: from the raw
API Gateway event bytes to the response bytes, as awslambdaric runs each invocation (its
context object, its marshaller's JSON decode of the event and encode of the response), with
boto3's client replaced by an in-memory table (GetItem answers the stored profile, PutItem
keeps the access-log entry) and the log line formatted but not written.
Prints {"median_ns": ...}: the median of several timed rounds (timeit, perf_counter).

Usage: overhead.py EVENT_JSON (the same event file the Rust benchmark reads)
"""

import json
import os
import sys
import timeit

sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("PROFILE_TABLE_NAME", "profiles")
os.environ.setdefault("ACCESS_LOG_TABLE_NAME", "access-log")
os.environ.setdefault("USER_POOL_ID", "eu-west-1_Ab12Cd34E")
# As the Rust benchmark's configuration.
os.environ.setdefault("CORS_ALLOWED_ORIGINS", "https://app.example.com, https://admin.example.com")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from awslambdaric.bootstrap import create_lambda_context  # noqa: E402
from awslambdaric.lambda_runtime_marshaller import LambdaMarshaller  # noqa: E402

import get_profile  # noqa: E402

with open(sys.argv[1], "rb") as event_file:
    EVENT = event_file.read()
SUB = json.loads(EVENT)["requestContext"]["authorizer"]["claims"]["sub"]
# The profile the Rust benchmark stores (tests/handler/support.rs `profile`).
ITEM = {
    "PK": {"S": f"USER#{SUB}"}, "SK": {"S": "PROFILE"}, "user_id": {"S": SUB},
    "username": {"S": f"{SUB}-username"}, "email": {"S": f"{SUB[:8]}@example.com"},
    "name": {"S": "Stored Name"}, "phone_number": {"S": "+14155550100"}, "dob": {"S": "1980-06-15"},
    "blood_group": {"S": "A+"}, "user_type": {"S": "Patient"}, "status": {"S": "active"},
    "created_at": {"S": "2026-10-23T09:30:00.000Z"}, "updated_at": {"S": "2026-10-23T09:30:00.000Z"},
    "version": {"N": "1"},
}


class InMemoryTable:
    def __init__(self):
        self.access_log = {}

    def get_item(self, **_):
        return {"Item": ITEM}

    def put_item(self, Item, **_):
        self.access_log.setdefault((Item["PK"]["S"], Item["SK"]["S"]), Item)


class Discard:
    def __init__(self):
        self.written = 0

    def write(self, text):
        self.written += len(text)


get_profile.dynamodb = InMemoryTable()
get_profile.log_stream = Discard()
marshaller = LambdaMarshaller()


def one_call():
    # awslambdaric's handle_event_request, without the Runtime API calls around it.
    context = create_lambda_context(None, None, "1795253430000", "0b7e3c1a-6f2d-4e8b-9a5c-3d1f0e2b4a68",
                                    "arn:aws:lambda:eu-west-1:123456789012:function:users-api", None)
    event = marshaller.unmarshal_request(EVENT, "application/json")
    response = get_profile.handler(event, context)
    body, _ = marshaller.marshal_response(response)
    return body


# The figure is only worth something if the handler succeeded, recorded and logged.
first = json.loads(one_call())
assert first["statusCode"] == 200, first
assert get_profile.dynamodb.access_log and get_profile.log_stream.written, "no access-log entry or log line"

rounds = timeit.repeat(one_call, number=2000, repeat=7)
print(json.dumps({"median_ns": sorted(rounds)[len(rounds) // 2] / 2000 * 1e9}))
