"""The Python GET handler without I/O, for the Rust criterion benchmark's column: the event
JSON parsed, the handler run with a GetItem stub, the response encoded, as awslambdaric
would around it. Prints {"median_ns": ...} (the median of several timed rounds).

Usage: overhead.py EVENTS_JSONL (the GET event the cold starts use, first line)
"""

import json
import os
import sys
import timeit

sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("PROFILE_TABLE_NAME", "profiles")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import get_profile  # noqa: E402

with open(sys.argv[1]) as events:
    EVENT = events.readline()
SUB = json.loads(EVENT)["requestContext"]["authorizer"]["claims"]["sub"]
ITEM = {
    "PK": {"S": f"USER#{SUB}"}, "SK": {"S": "PROFILE"}, "user_id": {"S": SUB},
    "username": {"S": SUB}, "email": {"S": "bench@example.com"}, "name": {"S": "Bench Patient"},
    "phone_number": {"S": "+14155550123"}, "dob": {"S": "1990-02-03"}, "blood_group": {"S": "O-"},
    "user_type": {"S": "Patient"}, "status": {"S": "active"},
    "created_at": {"S": "2026-01-01T00:00:00.000Z"}, "updated_at": {"S": "2026-01-01T00:00:00.000Z"},
    "version": {"N": "3"},
}


class InMemoryTable:
    def get_item(self, **_):
        return {"Item": ITEM}


get_profile.dynamodb = InMemoryTable()

def one_call():
    response = get_profile.handler(json.loads(EVENT), None)
    assert response["statusCode"] == 200
    return json.dumps(response)


rounds = timeit.repeat(one_call, number=2000, repeat=7)
print(json.dumps({"median_ns": sorted(rounds)[len(rounds) // 2] / 2000 * 1e9}))
