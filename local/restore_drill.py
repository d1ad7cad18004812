"""`just restore-drill`: docs/health-data.md's restore runbook, step by step, on a private local stack.

Brings the stack up, creates data through the real paths (sign-up confirmed with the outbox's
code, profile updates and reads through the API), backs both tables up, destroys their items,
restores each backup into a new table, puts the restored tables in service the way the runbook
does on AWS (state rm, import, apply with the table-name variables, the runner reloaded), then
checks that every item is back, that GET /users/{id} answers as before and that every user
still signs in. Prints each step's duration and PASS or FAIL; exits 1 on any difference.

Usage: .venv/bin/python local/restore_drill.py STACK_DIR JUST...   (JUST: the command running
this justfile, with LOCAL_STACK_DIR=STACK_DIR in the environment; the recipe takes it down)
"""

import contextlib
import glob
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import boto3

stack_dir, just = sys.argv[1], sys.argv[2:]
log_path = os.path.join(stack_dir, "restore-drill.log")
PASSWORD = "Correct-Horse-9!"
timings = []


class DrillFailed(Exception):
    pass


@contextlib.contextmanager
def step(title):
    """Prints the step and records its duration (a failed step's too)."""
    print(f"restore drill: {title}", flush=True)
    started = time.monotonic()
    try:
        yield
    finally:
        timings.append((title, time.monotonic() - started))


def run(command, **env):
    """A command whose output goes to the drill's log; its tail is shown if it fails."""
    with open(log_path, "a") as log:
        log.write(f"$ {' '.join(command)}\n")
        log.flush()
        done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env})
    if done.returncode != 0:
        tail = open(log_path).read().splitlines()[-30:]
        raise DrillFailed(f"{' '.join(command[:3])} … failed (exit {done.returncode}):\n" + "\n".join(tail))


def clients(stack):
    keys = dict(endpoint_url=stack["aws_endpoint_url"], region_name=stack["region"],
                aws_access_key_id=stack["aws_access_key_id"], aws_secret_access_key=stack["aws_secret_access_key"])
    return boto3.client("cognito-idp", **keys), boto3.client("dynamodb", **keys)


def http(api, method, path, token, body=None):
    request = urllib.request.Request(api + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def outbox_code(email):
    """The latest sign-up code the local Cognito 'sent' to EMAIL (one JSON file per message)."""
    for path in sorted(glob.glob(os.path.join(stack_dir, "outbox", "*.json")), reverse=True):
        message = json.load(open(path))
        if message.get("destination", {}).get("address") == email and message.get("kind") == "sign_up":
            return message["code"]
    raise DrillFailed(f"no sign-up code in the outbox for user {email.split('@')[0]}")


def sign_in(cognito, stack, email):
    answer = cognito.initiate_auth(ClientId=stack["test_client_id"], AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})
    return answer["AuthenticationResult"]["IdToken"]


def scan(dynamodb, table):
    """Every item of TABLE, as sorted canonical JSON lines (order is not part of a table)."""
    items = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items += [json.dumps(item, sort_keys=True) for item in page["Items"]]
    return sorted(items)


def key_of(item_json, key_names):
    item = json.loads(item_json)
    return {name: item[name] for name in key_names}


def table_keys(dynamodb, table):
    return [k["AttributeName"] for k in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]]


def compare_scans(label, before, after):
    """Differences between two scans, described by the items' keys only (they hold health data)."""
    missing, extra = sorted(set(before) - set(after)), sorted(set(after) - set(before))
    return [f"{label}: {len(before)} items before, {len(after)} after; {len(missing)} missing or changed, "
            f"{len(extra)} new or changed"] if missing or extra else []


def without_presigned(body):
    """A GET answer minus what legitimately differs between two reads: a presigned URL's signature and expiry."""
    return {k: v for k, v in body.items() if k != "picture_url"} if isinstance(body, dict) else body


def drill():
    with step("1. bring up a private stack"):
        run(just + ["up"])
    stack = json.load(open(os.path.join(stack_dir, "stack.json")))
    cognito, dynamodb = clients(stack)
    api = stack["api_url"]
    outputs = {k: v["value"] for k, v in json.load(open(os.path.join(stack_dir, "stack", "outputs.json"))).items()}
    tables = {"profile": outputs["table_name"], "access_log": outputs["access_log_table_name"]}
    stamp = int(time.time())

    with step("2. create data: sign-ups confirmed with the outbox's codes, profile updates and reads"):
        users = []
        for n, user_type in enumerate(["Patient", "Patient", "Doctor"]):
            email = f"drill.{stamp}.{n}@example.com"
            cognito.sign_up(ClientId=stack["user_pool_client_id"], Username=email, Password=PASSWORD, UserAttributes=[
                {"Name": "email", "Value": email}, {"Name": "name", "Value": f"Drill Person {n}"},
                {"Name": "custom:user_type", "Value": user_type}, {"Name": "custom:dob", "Value": f"198{n}-0{n + 1}-1{n}"},
                {"Name": "custom:gender", "Value": "female"}, {"Name": "custom:blood_group", "Value": "O+"}])
            cognito.confirm_sign_up(ClientId=stack["user_pool_client_id"], Username=email, ConfirmationCode=outbox_code(email))
            token = sign_in(cognito, stack, email)
            status, me = http(api, "GET", "/users/me", token)
            if status != 200:
                raise DrillFailed(f"GET /users/me for user {n} answered {status}: {me}")
            sub = me["user_id"]
            status, answer = http(api, "PUT", f"/users/{sub}", token, {"name": f"Drill Person {n} (updated)", "blood_group": "A+"})
            if status != 200:
                raise DrillFailed(f"PUT /users/{{id}} for user {n} answered {status}: {answer}")
            users.append({"email": email, "sub": sub, "token": token})
        answers = {u["sub"]: http(api, "GET", f"/users/{u['sub']}", u["token"]) for u in users}
        # Taken after the reads: each read adds an access-log entry.
        before = {name: scan(dynamodb, table) for name, table in tables.items()}
        keys = {name: table_keys(dynamodb, table) for name, table in tables.items()}
        counters = [i for i in before["profile"] if '"METRICS#' in i]
        print(f"  {len(users)} users; profile table {len(before['profile'])} items ({len(counters)} counters), "
              f"access log {len(before['access_log'])} entries")
        if not counters or not before["access_log"]:
            raise DrillFailed("the data to back up lacks counter items or access-log entries")

    with step("3. back up both tables (CreateBackup)"):
        backups = {name: dynamodb.create_backup(TableName=table, BackupName=f"{table}-drill-{stamp}")["BackupDetails"]["BackupArn"]
                   for name, table in tables.items()}

    with step("4. destroy the data (every item of both tables deleted)"):
        for name, table in tables.items():
            for item in before[name]:
                dynamodb.delete_item(TableName=table, Key=key_of(item, keys[name]))
            if scan(dynamodb, table):
                raise DrillFailed(f"{table} still holds items after the deletion")

    restored = {name: f"{table}-r{stamp}" for name, table in tables.items()}
    with step("5. restore each backup into a new table (RestoreTableFromBackup)"):
        for name, table in tables.items():
            # The data key, as the runbook's --sse-specification-override names it.
            key = dynamodb.describe_table(TableName=table)["Table"]["SSEDescription"]["KMSMasterKeyArn"]
            dynamodb.restore_table_from_backup(TargetTableName=restored[name], BackupArn=backups[name],
                                               SSESpecificationOverride={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key})
        for name in tables:
            dynamodb.get_waiter("table_exists").wait(TableName=restored[name])

    with step("6. put the restored tables in service (state rm, import, apply with the table-name variables, runner reloaded)"):
        work = os.path.join(stack_dir, "stack", "terraform")
        variables = {"TF_VAR_profile_table_name": restored["profile"], "TF_VAR_access_log_table_name": restored["access_log"],
                     "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
        if not os.path.isdir(os.path.join(work, ".terraform")):  # `just up` restored an applied state without a Terraform run
            run(["terraform", f"-chdir={work}", "init", "-no-color"])  # the recipe's flags: TF_CLI_ARGS_init
        for name, module in (("profile", "profile_table"), ("access_log", "access_log_table")):
            address = f"module.{module}.aws_dynamodb_table.this"
            run(["terraform", f"-chdir={work}", "state", "rm", "-no-color", address])
            run(["terraform", f"-chdir={work}", "import", "-no-color", address, restored[name]], **variables)
        # `just reload`: the apply (PITR, deletion protection, keys, tags, the functions' table
        # names and roles' policies), then the runner restarted on the applied state.
        run(just + ["reload"], **variables)
        applied = open(os.path.join(stack_dir, "stack", "applied.json")).read()
        for name in tables:
            if restored[name] not in applied:
                raise DrillFailed(f"the apply does not name the restored table {restored[name]}")

    failures = []
    with step("7. check: every item back, GET /users/{id} as before, every user signs in"):
        # First the tables, before any read adds an access-log entry.
        for name in tables:
            failures += compare_scans(f"{name} table ({restored[name]})", before[name], scan(dynamodb, restored[name]))
        for n, user in enumerate(users):
            try:
                token = sign_in(cognito, stack, user["email"])
            except cognito.exceptions.ClientError as error:
                failures.append(f"user {n} cannot sign in after the restore: {error.response['Error']['Code']}")
                continue
            status, body = http(api, "GET", f"/users/{user['sub']}", token)
            old_status, old_body = answers[user["sub"]]
            if (status, without_presigned(body)) != (old_status, without_presigned(old_body)):
                changed = sorted(k for k in set(body or {}) | set(old_body or {})
                                 if isinstance(body, dict) and isinstance(old_body, dict) and body.get(k) != old_body.get(k))
                failures.append(f"GET /users/{{id}} for user {n}: {old_status} before, {status} after; fields differing: {changed}")
        # The reads above are recorded in the restored access log, none in the emptied one.
        logged = len(scan(dynamodb, restored["access_log"])) - len(before["access_log"])
        if logged != len(users) or scan(dynamodb, tables["access_log"]):
            failures.append(f"the reads after the restore added {logged} entries to the restored access log "
                            f"(expected {len(users)}) or some to the old one: the API does not use the restored table")
    return failures


def main():
    failures = []
    try:
        failures = drill()
    except DrillFailed as error:
        failures = [str(error)]
    except Exception as error:  # a refused AWS call or API answer: the drill failed, said how
        failures = [f"{type(error).__name__}: {error}"]
    print("\nrestore drill: step durations")
    for title, seconds in timings:
        print(f"  {seconds:7.1f} s  {title}")
    print(f"  {sum(s for _, s in timings):7.1f} s  total")
    if failures:
        print("restore drill: FAIL")
        for failure in failures:
            print(f"  - {failure}")
        sys.exit(1)
    print("restore drill: PASS (every profile, counter and access-log item back; GET /users/{id} as before; every user signs in)")


if __name__ == "__main__":
    main()
