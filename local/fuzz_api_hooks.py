"""schemathesis hooks for `just fuzz-api` (loaded through local/fuzz_api.toml).

Two rules the spec states in words because JSON Schema cannot express them; only
schema-valid (positive) values are brought within them, so the check that valid requests
are accepted still means something for the other fields. Negative values are untouched
(they must still get 400).

- `cursor` on GET /users is opaque: the schema can only say `[A-Za-z0-9_-]+`, while the
  API accepts just a `next_cursor` it issued for the same `user_type` and `status` filters.
- `dob` on PUT /users/{id} must not be in the future nor more than 130 years ago, a
  window relative to today.

- `cursor` on GET /users/{id}/access-log is valid only for the profile it was issued for,
  whose id the hooks do not know: positive cases go without one.

Every personal value a PUT body carries (as generated, positive or negative) is also
appended to $FUZZ_SENT_VALUES, so the log-hygiene scan can look for each one.
"""

import base64
import datetime
import hashlib
import json
import os
import uuid

import schemathesis
from schemathesis.core.parameters import ParameterLocation

TYPES = ["Patient", "Doctor", "Admin"]
PERSONAL_FIELDS = ("name", "phone_number", "dob", "gender", "blood_group")


def record_sent_values(body) -> None:
    path = os.environ.get("FUZZ_SENT_VALUES")
    if not path or not isinstance(body, dict):
        return
    values = [v for k, v in body.items() if k in PERSONAL_FIELDS and isinstance(v, str)]
    if values:
        with open(path, "a") as out:
            out.write(json.dumps(values) + "\n")


STATUSES = ["active", "pending_review"]


def issued_cursor(seed: str, user_type: str | None, status: str | None) -> str:
    # Derived from the generated value, so a fixed seed still gives the same requests.
    digest = hashlib.sha256(seed.encode()).digest()
    cursor = {
        "f": user_type or "",
        "s": status or "active",
        "t": user_type or TYPES[digest[0] % 3],
        "c": "2026-01-01T00:00:00.000Z",
        "u": str(uuid.UUID(bytes=digest[:16], version=4)),
    }
    raw = json.dumps(cursor, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def within_dob_window(text: str) -> str:
    # Same month and day, a year from the last 120: deterministic for a given input.
    try:
        born = datetime.date.fromisoformat(text)
    except ValueError:
        return text
    today = datetime.date.today()
    year = today.year - 1 - born.year % 120
    return born.replace(year=year, day=min(born.day, 28) if born.month == 2 else born.day).isoformat()


def positive(case, location) -> bool:
    component = case.meta.components.get(location) if case.meta is not None else None
    return component is not None and not component.mode.is_negative


@schemathesis.hook
def map_case(context, case):
    operation = context.operation
    route = (operation.method.upper(), operation.path) if operation is not None else None
    if route == ("GET", "/users") and positive(case, ParameterLocation.QUERY):
        query = case.query or {}
        if (
            isinstance(query.get("cursor"), str)
            and query.get("user_type") in (None, *TYPES)
            and query.get("status") in (None, *STATUSES)
        ):
            query["cursor"] = issued_cursor(
                query["cursor"], query.get("user_type"), query.get("status")
            )
    if route == ("GET", "/users/{id}/access-log") and positive(case, ParameterLocation.QUERY):
        (case.query or {}).pop("cursor", None)
    if route == ("PUT", "/users/{id}") and positive(case, ParameterLocation.BODY):
        body = case.body
        if isinstance(body, dict) and isinstance(body.get("dob"), str):
            body["dob"] = within_dob_window(body["dob"])
    if route == ("PUT", "/users/{id}"):
        record_sent_values(case.body)
    return case
