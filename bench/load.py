"""`just load`: proof under load on the private local stack `just up` brought up in
LOCAL_STACK_DIR (.local/load).

  load.py run    --stack-dir DIR   sign-ups, then the API load, then the checks on the data;
                                   writes DIR/load.json (figures, failures, what ran where)
  load.py finish --stack-dir DIR --out bench/results.md
                                   after `just down`: checks that nothing of the stack is left
                                   (processes, ports), writes the "Load" section of results.md,
                                   prints it, and fails if any check failed

Every check lives in this file; bench/bench.just only brings the stack up and down.
Nothing personal is printed or written: the users are synthetic, and only route names,
status codes, error codes and counts leave this process (never an email, token, body or URL).
"""

import argparse
import asyncio
import base64
import collections
import datetime
import json
import os
import random
import resource
import socket
import sys
import time
import uuid
from pathlib import Path

import aiohttp
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SIGN_UPS = int(os.environ.get("LOAD_SIGN_UPS", "1000"))
REQUESTS = int(os.environ.get("LOAD_REQUESTS", "20000"))
CONCURRENCY = int(os.environ.get("LOAD_CONCURRENCY", "32"))
# Sign-ups in flight at once (each is SignUp, confirmation, sign-in, one after the other).
SIGN_UP_PARALLEL = int(os.environ.get("LOAD_SIGN_UP_PARALLEL", "16"))
DOCTOR_SHARE = 0.2  # the rest sign up as Patients; Doctors wait, pending review
# A few "hot" profiles get a quarter of the per-user traffic, so that writers really race
# (two devices of one person): If-Match then meets 412s and plain PUTs retry or get 409.
HOT_USERS = 8
HOT_SHARE = 0.25
SEED = 15
PASSWORD = "Load-Horse-9!x"  # length, upper, lower, digit, symbol: the pool's policy
LISTING_PAGE = 20

# The request mix: (route, weight). Every route's expected statuses are in EXPECTED.
MIX = [
    ("GET /users/me", 44),
    ("GET /users/{id} (Admin)", 8),
    ("PUT /users/me If-Match", 17),
    ("PUT /users/me", 12),
    ("POST /users/me/picture-upload-url", 10),
    # A page is 16 shard Queries and one access-log PutItem per listed profile: on moto, a
    # Query costs ~70 ms of its one-at-a-time DynamoDB time (bench/results.md, Load).
    ("GET /users page (Admin)", 4),
    ("GET /admin/metrics (Admin)", 3),
    ("PUT /users/{id} approve Doctor (Admin)", 2),
]
# 409/412 are the answers to lost races, not failures: counted per status.
EXPECTED = {
    "PUT /users/me If-Match": {200, 412},
    "PUT /users/me": {200, 409},
    "PUT /users/{id} approve Doctor (Admin)": {200, 409},
}
LISTINGS = [(None, "active"), ("Doctor", "pending_review"), ("Patient", "active")]
BLOOD_GROUPS = ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"]
GENDERS = ["female", "male", "non_binary", "other", "prefer_not_to_say"]
CLK_TCK = os.sysconf("SC_CLK_TCK")
RESULTS_HEADING = "## Load"


def log(message):
    print(f"load: {message}", file=sys.stderr, flush=True)


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(1, -(-len(ordered) * p // 100)) - 1]


# ---------------------------------------------------------------- processes (/proc)


def proc_status(pid, field):
    """A /proc/<pid>/status value in kB (VmHWM, VmRSS), or None when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def proc_stat(pid):
    """(process group, CPU ticks used so far: user + system) or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the command name may hold spaces
    return int(fields[2]), int(fields[11]) + int(fields[12])


def proc_cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def all_pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


class Processes:
    """The stack's processes: moto, the runner, and the function instances the runner started
    (its process group: `just up` starts it with setsid), named by their task root."""

    def __init__(self, stack_dir):
        self.stack_dir = stack_dir
        self.moto = int((stack_dir / "pids" / "moto").read_text())
        self.runner = int((stack_dir / "pids" / "runner").read_text())
        self.seen = {}  # pid -> name, every process ever sampled

    def current(self):
        """pid -> name ("moto", "runner" or the function's name) of the stack's live processes."""
        found = {self.moto: "moto", self.runner: "runner"}
        functions = str(self.stack_dir / "stack" / "runner" / "functions") + "/"
        for pid in all_pids():
            stat = proc_stat(pid)
            if stat and stat[0] == self.runner and pid != self.runner:
                command = proc_cmdline(pid)
                found[pid] = command.split(functions, 1)[1].split("/", 1)[0] if functions in command else "other"
        self.seen.update(found)
        return found

    def cpu(self):
        """pid -> CPU ticks so far."""
        ticks = {}
        for pid in self.current():
            stat = proc_stat(pid)
            if stat:
                ticks[pid] = stat[1]
        return ticks


class Phase:
    """Wall time and CPU of each stack process and of this generator over one phase."""

    def __init__(self, processes):
        self.processes = processes

    def __enter__(self):
        self.wall = time.monotonic()
        self.ticks = self.processes.cpu()
        self.own = resource.getrusage(resource.RUSAGE_SELF)
        return self

    def __exit__(self, *_):
        wall = time.monotonic() - self.wall
        end = self.processes.cpu()
        own = resource.getrusage(resource.RUSAGE_SELF)
        names = self.processes.seen
        by_name = collections.Counter()
        for pid, ticks in end.items():
            # A process born during the phase used all its ticks in it.
            by_name[names[pid]] += ticks - self.ticks.get(pid, 0)
        cpu = {name: 100 * ticks / CLK_TCK / wall for name, ticks in by_name.items()}
        own_s = (own.ru_utime - self.own.ru_utime) + (own.ru_stime - self.own.ru_stime)
        cpu["load generator"] = 100 * own_s / wall
        self.result = {"wall_s": wall, "cpu_pct": cpu}


# ---------------------------------------------------------------- Cognito, as an app and an operator


class CognitoError(Exception):
    def __init__(self, operation, status, code):
        super().__init__(f"{operation}: {status} {code}")
        self.code = code


class Cognito:
    """Cognito's JSON API through the stack's AWS front (so the triggers run), each call
    signed with the stack's credentials (stack.json), as the front checks them as AWS does."""

    def __init__(self, session, stack, outbox):
        self.session = session
        self.outbox = outbox
        self.url = stack["aws_endpoint_url"]
        self.pool_id = stack["user_pool_id"]
        self.client_id = stack["user_pool_client_id"]
        self.region = stack["region"]
        self.credentials = Credentials(stack["aws_access_key_id"], stack["aws_secret_access_key"])
        # Password sign-ins: the test harnesses' client (the app's allows SRP only).
        self.test_client_id = stack["test_client_id"]

    async def call(self, operation, body):
        payload = json.dumps(body)
        request = AWSRequest(method="POST", url=self.url + "/", data=payload, headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}"})
        SigV4Auth(self.credentials, "cognito-idp", self.region).add_auth(request)
        async with self.session.post(self.url + "/", data=payload, headers=dict(request.headers.items())) as response:
            raw = await response.read()
            status = response.status
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = {}
        if status != 200:
            # The status and error code only: a message may name the user.
            raise CognitoError(operation, status, str(payload.get("__type", "")).rsplit("#", 1)[-1])
        return payload

    async def sign_up(self, email, attributes):
        await self.call("SignUp", {
            "ClientId": self.client_id, "Username": email, "Password": PASSWORD,
            "UserAttributes": [{"Name": "email", "Value": email}] +
                              [{"Name": k, "Value": v} for k, v in attributes.items()]})

    async def confirm(self, email):
        """The one place a user is confirmed: ConfirmSignUp with the code the front "emailed"
        (the stack's outbox), as the app does, so PostConfirmation runs as on AWS.

        True when PostConfirmation completed. False when it failed retriably
        (UserLambdaValidationException, "please retry"): Cognito has confirmed the user all
        the same, and the person's first request for their profile completes the sign-up
        (README, "A confirmation that did not finish"), which is what the app does next."""
        try:
            await self.call("ConfirmSignUp", {"ClientId": self.client_id, "Username": email,
                                              "ConfirmationCode": self.outbox.sign_up_code(email)})
        except CognitoError as e:
            if e.code == "UserLambdaValidationException":
                return False
            raise
        return True

    async def id_token(self, email):
        result = await self.call("InitiateAuth", {
            "ClientId": self.test_client_id, "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": email, "PASSWORD": PASSWORD}})
        return result["AuthenticationResult"]["IdToken"]

    async def operator_creates_admin(self, email):
        """What an operator does (README, "Creating the first Admin")."""
        await self.call("AdminCreateUser", {
            "UserPoolId": self.pool_id, "Username": email, "MessageAction": "SUPPRESS",
            "TemporaryPassword": PASSWORD + "t",
            "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"},
                               {"Name": "custom:user_type", "Value": "Admin"}]})
        await self.call("AdminAddUserToGroup", {"UserPoolId": self.pool_id, "Username": email, "GroupName": "Admin"})
        await self.call("AdminSetUserPassword", {"UserPoolId": self.pool_id, "Username": email,
                                                 "Password": PASSWORD, "Permanent": True})
        return await self.id_token(email)


class Outbox:
    """The sign-up codes the stack's Cognito front delivered, one JSON file per message; each
    file is read once, however many users are looked up."""

    def __init__(self, directory):
        self.directory = directory
        self.read = set()
        self.codes = {}

    def sign_up_code(self, email):
        if email not in self.codes:
            for name in sorted(os.listdir(self.directory)):
                if name in self.read or not name.endswith(".json"):
                    continue
                self.read.add(name)
                message = json.loads((self.directory / name).read_text())
                if message.get("kind") == "sign_up":
                    self.codes[message["destination"]["address"]] = message["code"]
        return self.codes[email]


def sub_of(id_token):
    payload = id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


class User:
    def __init__(self, user_type, token):
        self.user_type = user_type
        self.token = token
        self.sub = sub_of(token)
        self.version = 1  # the highest version any answer showed (a profile starts at 1)
        self.writes = 0  # 2xx PUTs this run made to the profile


async def sign_ups(cognito, api, run_id, rng):
    """SIGN_UPS people sign up, confirm, sign in and open their profile (GET /users/me, the
    app's first screen), SIGN_UP_PARALLEL at a time."""
    types = ["Doctor" if rng.random() < DOCTOR_SHARE else "Patient" for _ in range(SIGN_UPS)]
    profiles = [{"name": f"Load User {i}", "custom:dob": f"{1940 + i % 60}-0{1 + i % 9}-1{i % 10}",
                 "custom:gender": GENDERS[i % len(GENDERS)], "custom:blood_group": BLOOD_GROUPS[i % 8]}
                for i in range(SIGN_UPS)]
    gate = asyncio.Semaphore(SIGN_UP_PARALLEL)
    failures = collections.Counter()
    latencies = []
    completed_by_first_get = 0

    async def one(i):
        email = f"load-{run_id}-{i}@example.com"
        async with gate:
            started = time.monotonic()
            try:
                await cognito.sign_up(email, {**profiles[i], "custom:user_type": types[i]})
                confirmed = await cognito.confirm(email)
                user = User(types[i], await cognito.id_token(email))
            except CognitoError as e:
                failures[str(e)] += 1
                return None
            except aiohttp.ClientError as e:
                failures[f"transport: {type(e).__name__}"] += 1
                return None
            status, _ = await api.get("/users/me", user.token)
            if status != 200:
                failures[f"first GET /users/me: {status}"] += 1
                return None
            if not confirmed:
                nonlocal completed_by_first_get
                completed_by_first_get += 1
            latencies.append((time.monotonic() - started) * 1000)
            return user

    users = await asyncio.gather(*(one(i) for i in range(SIGN_UPS)))
    return [u for u in users if u], failures, latencies, completed_by_first_get


# ---------------------------------------------------------------- the API load


def plan(users, rng):
    """REQUESTS (route, user) pairs drawn up front with a fixed seed, so the run is repeatable
    and drawing costs nothing while the clock runs. Each pending Doctor is approved at most once."""
    routes, weights = zip(*MIX)
    hot = users[:HOT_USERS]
    doctors = [u for u in users if u.user_type == "Doctor"]
    rng.shuffle(doctors)
    steps = []
    for route in rng.choices(routes, weights, k=REQUESTS):
        if route.startswith("PUT /users/{id} approve"):
            if doctors:
                steps.append((route, doctors.pop()))
                continue
            route = "GET /users/me"
        steps.append((route, rng.choice(hot) if rng.random() < HOT_SHARE else rng.choice(users)))
    return steps


class Load:
    def __init__(self, session, api_url, admin, users, rng):
        self.session = session
        self.api = api_url.rstrip("/")
        self.admin = admin
        self.users = users
        self.rng = rng
        self.latency = collections.defaultdict(list)  # route -> ms
        self.statuses = collections.defaultdict(collections.Counter)  # route -> status -> n
        self.unexpected = collections.Counter()  # (route, status, error code) -> n
        self.transport = collections.Counter()  # (route, exception) -> n
        self.cursors = {}  # listing filter -> the next page's cursor
        self.approved = set()

    def body(self):
        rng = self.rng
        return {"name": f"Load User {rng.randrange(10_000)}", "blood_group": rng.choice(BLOOD_GROUPS),
                "gender": rng.choice(GENDERS), "phone_number": f"+1415555{rng.randrange(10_000):04d}"}

    async def send(self, route, method, path, token, body=None, headers=None, params=None):
        """One request; records its latency and status. The JSON answer for 2xx, else None."""
        all_headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body)
            all_headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            async with self.session.request(method, self.api + path, data=data, headers=all_headers,
                                            params=params) as response:
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            self.transport[(route, type(e).__name__)] += 1
            return None
        self.latency[route].append((time.perf_counter() - started) * 1000)
        self.statuses[route][status] += 1
        payload = json.loads(raw) if raw else None
        if status not in EXPECTED.get(route, {200}):
            code = payload.get("error", {}).get("code") if isinstance(payload, dict) else None
            self.unexpected[(route, status, code or "")] += 1  # the code, never the message
        return payload if 200 <= status < 300 else None

    def saw(self, user, profile):
        if profile and "version" in profile:
            user.version = max(user.version, profile["version"])

    async def step(self, route, user):
        if route == "GET /users/me":
            self.saw(user, await self.send(route, "GET", "/users/me", user.token))
        elif route == "GET /users/{id} (Admin)":
            self.saw(user, await self.send(route, "GET", f"/users/{user.sub}", self.admin.token))
        elif route == "PUT /users/me If-Match":
            # The ETag this client last saw: stale when another writer got there first (412).
            answer = await self.send(route, "PUT", "/users/me", user.token, self.body(),
                                     headers={"If-Match": f'"{user.version}"'})
            self.wrote(user, answer)
        elif route == "PUT /users/me":
            self.wrote(user, await self.send(route, "PUT", "/users/me", user.token, self.body()))
        elif route == "POST /users/me/picture-upload-url":
            await self.send(route, "POST", "/users/me/picture-upload-url", user.token,
                            {"content_type": "image/jpeg", "content_length": 48_213})
        elif route == "GET /users page (Admin)":
            # Admins page through listings: each request is the next page of one of them.
            listing = self.rng.choice(LISTINGS)
            params = {"status": listing[1], "limit": str(LISTING_PAGE)}
            if listing[0]:
                params["user_type"] = listing[0]
            if self.cursors.get(listing):
                params["cursor"] = self.cursors[listing]
            page = await self.send(route, "GET", "/users", self.admin.token, params=params)
            if page is not None:
                self.cursors[listing] = page.get("next_cursor")
        elif route == "GET /admin/metrics (Admin)":
            await self.send(route, "GET", "/admin/metrics", self.admin.token)
        elif route == "PUT /users/{id} approve Doctor (Admin)":
            answer = await self.send(route, "PUT", f"/users/{user.sub}", self.admin.token, {"user_type": "Doctor"})
            if self.wrote(user, answer):
                self.approved.add(user.sub)
        else:
            raise ValueError(route)

    def wrote(self, user, answer):
        if answer is None:
            return False
        user.writes += 1
        self.saw(user, answer)
        return True

    async def run(self, steps):
        queue = iter(steps)  # shared by the workers; asyncio runs one at a time

        async def worker():
            for route, user in queue:
                await self.step(route, user)

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


# ---------------------------------------------------------------- the checks on the data


class Api:
    """Single GETs outside the timed load (sign-ups' first screen, the checks)."""

    def __init__(self, session, api_url):
        self.session = session
        self.base = api_url.rstrip("/")
        self.retried = 0  # 503s the checks retried (reported)

    async def get(self, path, token, params=None, retry=False):
        """(status, JSON answer or None). With `retry` (the checks after the load), a 503 is
        retried after its Retry-After, a few times, as a client does: the checks read the
        data, they are not part of the load."""
        for attempt in range(5 if retry else 1):
            async with self.session.get(self.base + path, params=params,
                                        headers={"Authorization": f"Bearer {token}"}) as response:
                raw = await response.read()
                status, retry_after = response.status, response.headers.get("Retry-After", "2")
            if status != 503 or attempt == 4 or not retry:
                break
            self.retried += 1
            await asyncio.sleep(float(retry_after) if retry_after.isdigit() else 2)
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, None


async def check_data(api, admin, users, approved):
    """Counters equal the full listing, each type and status; every profile's version is 1 plus
    the 2xx writes this run made to it; the stored set of profiles is exactly who signed up.
    Returns (failures, figures)."""
    failures = []
    not_checked = ("versions", "not checked: the listing could not be read")
    status, metrics = await api.get("/admin/metrics", admin.token, retry=True)
    if status != 200:
        return [("counters", f"GET /admin/metrics as Admin answered {status}"), not_checked], {}
    listed = collections.Counter()
    versions = {}
    unreadable = 0
    for listing_status in ["active", "pending_review"]:
        # Pages of 20: a page makes 16 shard Queries, and on moto a Query's cost grows with
        # its page size (a page of 100 outlasts the API's DynamoDB timeout there).
        params = {"status": listing_status, "limit": "20"}
        while True:
            status, page = await api.get("/users", admin.token, params, retry=True)
            if status != 200:
                return failures + [("counters", f"GET /users?status={listing_status} as Admin answered {status}"),
                                   not_checked], {}
            unreadable += len(page.get("unreadable_ids") or [])
            for item in page["items"]:
                listed[(item["user_type"], item["status"])] += 1
                versions[item["user_id"]] = item["version"]
            if not page.get("next_cursor"):
                break
            params["cursor"] = page["next_cursor"]
    if unreadable:
        failures.append(("counters", f"{unreadable} listed profiles unreadable"))
    for user_type in ["Patient", "Doctor", "Admin"]:
        for listing_status, key in [("active", "by_user_type"), ("pending_review", "pending_review")]:
            counted = metrics[key].get(user_type, 0)
            if counted != listed[(user_type, listing_status)]:
                failures.append(("counters", f"metrics {key}.{user_type} = {counted}, but GET /users lists "
                                             f"{listed[(user_type, listing_status)]} {user_type} {listing_status}"))
    if metrics["total"] != sum(listed.values()):
        failures.append(("counters", f"metrics total = {metrics['total']}, but GET /users lists {sum(listed.values())}"))

    # What the run did: every sign-up stored once, as its type, and nothing else.
    doctors = sum(1 for u in users if u.user_type == "Doctor")
    wanted = {("Patient", "active"): len(users) - doctors, ("Doctor", "active"): len(approved),
              ("Doctor", "pending_review"): doctors - len(approved), ("Admin", "active"): 1}
    for (user_type, listing_status), n in wanted.items():
        if listed[(user_type, listing_status)] != n:
            failures.append(("sign-ups", f"{listed[(user_type, listing_status)]} {user_type} {listing_status} "
                                         f"listed, the run made {n}"))
    expected = {u.sub: 1 + u.writes for u in users} | {admin.sub: 1}
    if set(versions) != set(expected):
        failures.append(("sign-ups", f"listed ids differ from the run's users: {len(set(versions) - set(expected))} "
                                     f"extra, {len(set(expected) - set(versions))} missing"))
    wrong = [sub for sub, n in expected.items() if sub in versions and versions[sub] != n]
    if wrong:
        sample = ", ".join(f"version {versions[s]} after {expected[s] - 1} writes" for s in wrong[:3])
        failures.append(("versions", f"{len(wrong)} profiles' version is not 1 + their successful writes ({sample})"))
    figures = {"metrics": metrics, "listed": sum(listed.values()), "profiles_checked": len(expected),
               "check_503s_retried": api.retried,
               "writes": sum(u.writes for u in users), "max_version": max(versions.values(), default=0),
               "doctors": doctors, "approved": len(approved)}
    return failures, figures


# ---------------------------------------------------------------- run


def function_logs(stack_dir):
    """Function name -> its log, from what Terraform applied (not from a list kept here)."""
    applied = json.loads((stack_dir / "stack" / "applied.json").read_text())
    names = []

    def walk(module):
        for resource_ in module.get("resources", []):
            if resource_["type"] == "aws_lambda_function":
                names.append(resource_["values"]["function_name"])
        for child in module.get("child_modules", []):
            walk(child)

    walk(applied["values"]["root_module"])
    return {name: stack_dir / "logs" / f"{name}.log" for name in sorted(names)}


def instances(stack_dir):
    """Per function: instances started (each cold start's REPORT carries Init Duration),
    invocations, failed ones (a crash or timeout: Status in REPORT), largest Max Memory Used."""
    found = {}
    for name, path in function_logs(stack_dir).items():
        reports = [line for line in (path.read_text(errors="replace").splitlines() if path.exists() else [])
                   if line.startswith("REPORT RequestId:")]
        memory = [int(line.split("Max Memory Used: ")[1].split()[0]) for line in reports]
        found[name] = {"started": sum("Init Duration" in line for line in reports), "invocations": len(reports),
                       "failed": sum("\tStatus: " in line for line in reports), "max_memory_mb": max(memory, default=0)}
    return found


async def run(stack_dir):
    stack = json.loads((stack_dir / "stack.json").read_text())
    processes = Processes(stack_dir)
    rng = random.Random(SEED)
    run_id = uuid.uuid4().hex[:8]
    failures = []
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "sign_ups_wanted": SIGN_UPS, "requests_wanted": REQUESTS, "concurrency": CONCURRENCY,
               "sign_up_parallel": SIGN_UP_PARALLEL}
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=CONCURRENCY + SIGN_UP_PARALLEL)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        cognito = Cognito(session, stack, Outbox(stack_dir / "outbox"))
        admin = User("Admin", await cognito.operator_creates_admin(f"load-{run_id}-admin@example.com"))
        # The operator's Admin has no profile until their first request (made from the token).
        api = Api(session, stack["api_url"])
        status, _ = await api.get("/users/me", admin.token)
        if status != 200:
            raise SystemExit(f"load: the Admin's first GET /users/me answered {status}")

        log(f"{SIGN_UPS} sign-ups ({SIGN_UP_PARALLEL} at a time): SignUp, ConfirmSignUp, sign-in, GET /users/me")
        with Phase(processes) as phase:
            users, sign_up_failures, sign_up_ms, completed_later = await sign_ups(cognito, api, run_id, rng)
        results["sign_ups"] = {**phase.result, "done": len(users), "failed": dict(sign_up_failures),
                               "completed_by_first_get": completed_later,
                               "p50_ms": percentile(sign_up_ms, 50) if sign_up_ms else None,
                               "p99_ms": percentile(sign_up_ms, 99) if sign_up_ms else None}
        for what, n in sign_up_failures.items():
            failures.append(("sign-ups", f"sign-up failed {n}x: {what}"))
        if not users:
            raise SystemExit("load: no sign-up succeeded")

        log(f"{REQUESTS} API requests at concurrency {CONCURRENCY}")
        load = Load(session, stack["api_url"], admin, users, rng)
        steps = plan(users, rng)
        with Phase(processes) as phase:
            await load.run(steps)
        results["api"] = {**phase.result, "sent": len(steps), "routes": {
            route: {"requests": sum(load.statuses[route].values()) + sum(
                        n for (r, _), n in load.transport.items() if r == route),
                    "p50_ms": percentile(load.latency[route], 50) if load.latency[route] else None,
                    "p99_ms": percentile(load.latency[route], 99) if load.latency[route] else None,
                    "statuses": dict(sorted(load.statuses[route].items()))}
            for route, _ in MIX}}
        all_ms = [ms for values in load.latency.values() for ms in values]
        results["api"]["p50_ms"], results["api"]["p99_ms"] = percentile(all_ms, 50), percentile(all_ms, 99)
        for (route, exception), n in load.transport.items():
            failures.append(("errors", f"transport error {n}x: {route}: {exception}"))
        for (route, status, code), n in load.unexpected.items():
            check = "errors" if status >= 500 else "statuses"
            failures.append((check, f"{n}x {route} answered {status}{f' {code}' if code else ''}"))

        log("checking the counters and versions against the full listing")
        data_failures, results["data"] = await check_data(api, admin, users, load.approved)
        failures += data_failures

    # Peak memory while everything still runs (VmHWM never goes down while a process lives).
    live = processes.current()
    results["memory_mb"] = {name: max((proc_status(pid, "VmHWM") or 0) for pid, n in live.items() if n == name) / 1024
                            for name in set(live.values())}
    results["instances"] = instances(stack_dir)
    runner_log = (stack_dir / "logs" / "runner.log").read_text(errors="replace")
    results["transaction_conflicts"] = runner_log.count("DynamoDB TransactionConflict")
    results["iam_denied"] = runner_log.count("local-runner: IAM denied")
    if results["iam_denied"]:
        failures.append(("runner", f"the runner denied {results['iam_denied']} function calls (IAM)"))
    for name, figures in results["instances"].items():
        if figures["failed"]:
            failures.append(("runner", f"{name}: {figures['failed']} invocations crashed or timed out"))
    # What `finish` checks is gone once the stack is down.
    ports = [int(stack[key].split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
             for key in ("aws_endpoint_url", "api_url", "hosted_ui_url", "hosted_ui_https_url")]
    ports.append(int((stack_dir / "pids" / "moto.port").read_text()))
    results["ledger"] = {"pids": sorted(processes.seen), "groups": [processes.moto, processes.runner],
                         "ports": ports, "stack_dir": str(stack_dir.resolve())}
    results["failures"] = failures
    (stack_dir / "load.json").write_text(json.dumps(results, indent=2))
    log(f"done: {len(failures)} failed checks so far (see the report after `just down`)")


# ---------------------------------------------------------------- finish: after `just down`


def leftovers(ledger):
    """What of the stack still exists: recorded pids, members of its process groups, anything
    whose command line names its directory (this process and its parents aside), open ports."""
    mine = set()
    pid = os.getpid()
    while pid > 1:
        mine.add(pid)
        stat = Path(f"/proc/{pid}/stat").read_text()
        pid = int(stat[stat.rindex(")") + 2:].split()[1])
    found = []
    for pid in all_pids():
        if pid in mine:
            continue
        stat = proc_stat(pid)
        if stat is None:
            continue
        if pid in ledger["pids"] or stat[0] in ledger["groups"] or ledger["stack_dir"] in proc_cmdline(pid):
            found.append(f"process {pid} ({proc_cmdline(pid)[:80].strip() or '?'})")
    for port in ledger["ports"]:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            found.append(f"port {port} still accepts connections")
        except OSError:
            pass
    return found


def fmt(value, digits=1):
    return "n/a" if value is None else f"{value:,.{digits}f}"


def pct(value):
    return "n/a" if value is None else f"{value:.1f} %"


def section(r, elapsed_s):
    s, a, d = r["sign_ups"], r["api"], r.get("data", {})
    statuses = collections.Counter()
    for route in a["routes"].values():
        statuses.update({int(k): v for k, v in route["statuses"].items()})
    cpu_names = sorted(set(s["cpu_pct"]) | set(a["cpu_pct"]), key=lambda n: -a["cpu_pct"].get(n, 0))
    lines = [
        RESULTS_HEADING, "",
        f"Generated by `just load` on {r['date']} in {elapsed_s:.0f} s, same machine as above, shared with other",
        "work while it ran (figures are this run's, not a quiet machine's). A private stack (`.local/load`,",
        "the optimised runner) brought up for the run and taken down after it. Load generator: `bench/load.py`",
        f"(Python asyncio + aiohttp, one process). Size: LOAD_SIGN_UPS={r['sign_ups_wanted']}, "
        f"LOAD_REQUESTS={r['requests_wanted']}, LOAD_CONCURRENCY={r['concurrency']} (defaults 1000, 20000, 32).", "",
        f"### Sign-ups: {s['done']:,} of {r['sign_ups_wanted']:,} confirmed, {r['sign_up_parallel']} at a time", "",
        "SignUp (PreSignUp runs), ConfirmSignUp (PostConfirmation writes the profile and counts it),",
        "USER_PASSWORD_AUTH sign-in, then GET /users/me (the app's first screen, which completes a sign-up",
        f"whose PostConfirmation failed); about {100 * DOCTOR_SHARE:.0f} % ask to be Doctors (pending review), the rest Patients.", "",
        "| | figure |", "|---|---:|",
        f"| wall time | {s['wall_s']:.1f} s |",
        f"| sign-ups per second (all four calls) | {s['done'] / s['wall_s']:.1f} |",
        f"| one sign-up (four calls) p50 / p99 | {fmt(s['p50_ms'])} / {fmt(s['p99_ms'])} ms |",
        f"| PostConfirmation failed retriably (\"please retry\"), completed by the first GET | "
        f"{s['completed_by_first_get']} |",
        f"| failed | {sum(s['failed'].values())} |", "",
        f"### API: {a['sent']:,} requests at concurrency {r['concurrency']}", "",
        f"{a['sent'] / a['wall_s']:.0f} requests per second over {a['wall_s']:.1f} s; all routes p50 "
        f"{fmt(a['p50_ms'])} ms, p99 {fmt(a['p99_ms'])} ms (client side, through the stage and the authorizer).", "",
        "| route | requests | p50 | p99 | statuses |", "|---|---:|---:|---:|---|",
    ]
    for route, f in a["routes"].items():
        codes = ", ".join(f"{k}: {v:,}" for k, v in f["statuses"].items())
        lines.append(f"| {route} | {f['requests']:,} | {fmt(f['p50_ms'])} ms | {fmt(f['p99_ms'])} ms | {codes} |")
    lines += [
        "", f"All statuses: {', '.join(f'{k}: {v:,}' for k, v in sorted(statuses.items()))}. "
        "409 and 412 are lost write races (If-Match stale, or a plain PUT that kept meeting newer",
        "versions), expected with several writers on the hot profiles; they are counted, not failures.", "",
        "### Where the time goes: CPU of each process (% of one core, 2 cores in all)", "",
        "| process | sign-ups | API load |", "|---|---:|---:|",
    ]
    for name in cpu_names:
        lines.append(f"| {name} | {pct(s['cpu_pct'].get(name))} | {pct(a['cpu_pct'].get(name))} |")
    lines += ["", "### Instances and memory", "",
              "| process | instances started | invocations | peak memory (VmHWM) |", "|---|---:|---:|---:|"]
    for name in ["runner", "moto"]:
        lines.append(f"| {name} | 1 | | {fmt(r['memory_mb'].get(name))} MB |")
    for name, f in r["instances"].items():
        lines.append(f"| {name} | {f['started']} | {f['invocations']:,} | {f['max_memory_mb']} MB (Max Memory Used) |")
    lines += ["", f"DynamoDB TransactionConflicts the front raised (retried by the functions): "
                  f"{r['transaction_conflicts']}; IAM denials: {r['iam_denied']}; 503s the checks after the load "
                  f"retried (Retry-After): {d.get('check_503s_retried', 'n/a')}.", "",
              "### Checks", "", "| check | |", "|---|---|"]
    m = d.get("metrics", {})
    failed = {check for check, _ in r["failures"]}
    checks = [
        (f"{r['sign_ups_wanted']:,} sign-ups confirmed, each stored once as its type", "sign-ups"),
        ("zero 5xx and zero transport errors", "errors"),
        ("every answer one its route expects (2xx; 409/412 on writes)", "statuses"),
        (f"GET /admin/metrics equals the full listing, every type and status (total {m.get('total', 'n/a')}, "
         f"{d.get('listed', 'n/a')} listed)", "counters"),
        (f"every profile's version is 1 + its successful writes ({d.get('profiles_checked', 'n/a')} profiles, "
         f"{d.get('writes', 'n/a')} writes, highest version {d.get('max_version', 'n/a')})", "versions"),
        ("no function invocation crashed or timed out, no IAM denial", "runner"),
        ("afterwards no process of the stack and no port left", "leftovers"),
    ]
    for name, check in checks:
        lines.append(f"| {name} | {'**failed**' if check in failed else 'ok'} |")
    if r["failures"]:
        lines += ["", "Failures:", ""] + [f"- {check}: {f}" for check, f in r["failures"]]
    return "\n".join(lines) + "\n"


def finish(stack_dir, out, started):
    results = json.loads((stack_dir / "load.json").read_text())
    deadline = time.monotonic() + 5  # a killed process may take a moment to be reaped
    while (left := leftovers(results["ledger"])) and time.monotonic() < deadline:
        time.sleep(0.2)
    results["leftovers"] = left
    results["failures"] += [("leftovers", f"left after `just down`: {what}") for what in left]
    text = section(results, time.time() - started)
    previous = out.read_text() if out.exists() else ""
    kept = previous.split("\n" + RESULTS_HEADING + "\n", 1)[0].rstrip("\n")
    out.write_text((kept + "\n\n" if kept else "") + text)
    print(text)
    if results["failures"]:
        log(f"{len(results['failures'])} checks failed:")
        for check, failure in results["failures"]:
            log(f"  {check}: {failure}")
        return 1
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["run", "finish"])
    parser.add_argument("--stack-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("bench/results.md"))
    parser.add_argument("--started", type=float, default=time.time())
    args = parser.parse_args()
    if args.command == "run":
        asyncio.run(run(args.stack_dir))
        return 0
    return finish(args.stack_dir, args.out, args.started)


if __name__ == "__main__":
    sys.exit(main())
