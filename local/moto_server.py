"""moto's server for the local stack and the tests.

- It binds the port itself (port 0: the kernel picks a free one) and writes the port it
  got to --port-file once it is listening, so no caller has to guess a free port and race
  another process for it.
- Query strings are cut from its access log: a presigned S3 URL's query string is a
  credential (whoever holds it may upload or read a picture), and the AWS front hands
  moto every presigned request as it came.
- DynamoDB requests are handled one at a time. moto serves each request on its own
  thread, and its TransactWriteItems copies the tables, applies the writes and puts the
  copies back: two at once lose each other's writes (a counter that never moves, a
  conditional create that succeeds twice). DynamoDB makes each operation atomic and
  isolated; one at a time is how moto gets there.
- Cognito requests are handled one at a time too (a lock of their own): moto's user pool
  keeps its users in a dict that SignUp adds to while another SignUp iterates it
  ("OrderedDict mutated during iteration", a 500), which `just load`'s parallel sign-ups
  hit within seconds. Cognito takes concurrent sign-ups; one at a time is how moto does.
- A cancelled TransactWriteItems is undone from copies of the items it names, not of whole
  tables: moto deep-copies every table a transaction touches before it starts, which at a
  thousand profiles made each sign-up's transaction cost about 0.4 s of the one-at-a-time
  DynamoDB time, and under `just load` every other call then timed out behind them.
- A DynamoDB restore (from a backup or to a point in time) takes the SSESpecificationOverride
  it is given, which moto drops; `just restore-drill` restores with the data key.
- Lambda functions keep their LoggingConfig, which moto drops: the runner reads the
  applied log level (AWS_LAMBDA_LOG_LEVEL) from it, as Lambda does.
- Its whole state can be saved (`POST /_local/save-state` writes --save-state) and
  restored at start (--load-state): `just up` snapshots the stack right after
  `terraform apply` and, while Terraform's inputs are unchanged, restores that snapshot
  instead of applying again (the provider alone waits 55 s on one resource).
- POST /_local/cognito/password {"UserPoolId", "Username"} answers the user's current
  password (and internal username) from moto's own state, for the runner's Cognito front
  to verify USER_SRP_AUTH. moto keeps the one copy of every password, whichever call set
  it, so the front never holds a copy that could drift.
- Every control endpoint (the wrapper's /_local/..., moto's own /moto-api/...) answers only
  a request that carries the stack's control secret (--secrets-file, written 0600 by
  `just up`) in an X-Local-Control-Secret header. They hand out passwords and tokens, so
  no client of the AWS front may reach them in any spelling: the path is checked as moto
  would route it after undoing percent-encoding, `//`, `/./` and case, and the front
  never forwards a client's secret header.
- Every token moto signs for a runner names that runner's local issuer, `{AWS front
  URL}/{pool id}` (the front says which in an X-Local-Issuer-Base header on what it
  forwards), where the front serves the discovery document and JWKS that client libraries
  fetch; AWS's issuer cannot be fetched offline.
- The Hosted UI's tokens come from moto's own minting (POST /_local/cognito/oauth-tokens
  and oauth-refresh), with the granted scope and the nonce added, so GetUser,
  GlobalSignOut and the authorizer know them as they know the API path's. moto has no
  RevokeToken: POST /_local/cognito/revoke ends a refresh token and its access tokens.
- Sign-out reaches every token of the user, and a disabled user gets none (see
  `sign_out_by_user_and_disable_revokes`): moto compared the name a token was filed
  under (an e-mail for InitiateAuth, the username for the Hosted UI) with the name the
  sign-out gave, refreshed a disabled user's tokens and left them live, and gave a Hosted
  UI refresh token refreshed through InitiateAuth the admin scope it was never granted.
- Three of moto's costs that grow with the data are cut, answers unchanged (`just load`
  found them; bench/results.md, Load): every DynamoDB Query sorted the whole table with
  Python-level key comparisons (now the keys' plain values); every Cognito lookup by
  e-mail rebuilt each user's attribute dict, once per readable attribute when minting a
  token (now one pass, no copies); and every request listed moto's package directory to
  find its service (now listed once).
"""

import os

# moto's server answers every origin on every response; AWS answers S3 by the bucket's own
# CORS configuration (which moto's S3 applies when this is off) and the front answers for
# the JSON services (lambdas/local-runner/src/aws_front/cors.rs). Read when moto is imported.
os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"

import argparse
import base64
import copy
import functools
import hmac
import importlib
import json
import logging
import pickle
import re
import signal
import sys
import threading
import urllib.parse
import weakref
from collections import defaultdict

import moto.backends
import moto.dynamodb.models as dynamodb_models
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from moto.awslambda.models import LambdaFunction
from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.base_backend import BackendDict, backend_lock
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

QUERY = re.compile(r"\?\S*")
PRIVATE_KEY_TYPES = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)


class DropQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                QUERY.sub("?…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        record.msg = QUERY.sub("?…", str(record.msg))
        return True


# One lock per service, shared by everything that reads or changes its models.
DYNAMODB_LOCK = threading.Lock()
COGNITO_LOCK = threading.Lock()


def one_at_a_time(handle, lock):
    @functools.wraps(handle)
    def locked(*args, **kwargs):
        with lock:
            return handle(*args, **kwargs)

    return locked


class TablesNotCopied:
    """Stands in for the `copy` module inside moto.dynamodb.models, whose only whole-table
    copy is TransactWriteItems' backup; every other value is copied as before."""

    @staticmethod
    def deepcopy(value, memo=None):
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def transactions_back_up_their_items() -> None:
    """A transaction writes only the items it names, so copies of those (taken before it
    starts) restore everything a cancelled one changed; moto's own rollback, which puts the
    table copies back, then puts back the same tables and changes nothing."""
    transact = dynamodb_models.DynamoDBBackend.transact_write_items
    dynamodb_models.copy = TablesNotCopied

    def item_key(table, op):
        names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
        source = op.get("Key") or op.get("Item") or {}
        return {name: source[name] for name in names if name in source}

    def transact_write_items(self, transact_items):
        saved = []
        for entry in transact_items:
            op = next(iter(entry.values()), None)
            table = None
            if isinstance(op, dict):
                try:
                    table = self.get_table(op.get("TableName"))  # a name or an ARN
                except Exception:
                    table = None  # moto's own call answers for a missing table
            key = item_key(table, op) if table else {}
            if table and len(key) == len(table.table_key_attrs):
                item = self.get_item(table.name, key)
                saved.append((table, key, copy.deepcopy(item) if item else None))
        try:
            return transact(self, transact_items)
        except Exception:
            for table, key, item in reversed(saved):
                hash_value = DynamoType(key[table.hash_key_attr])
                if table.range_key_attr:
                    range_value = DynamoType(key[table.range_key_attr])
                    if item is None:
                        table.items[hash_value].pop(range_value, None)
                    else:
                        table.items[hash_value][range_value] = item
                elif item is None:
                    table.items.pop(hash_value, None)
                else:
                    table.items[hash_value] = item
            raise

    dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items


def restores_take_the_encryption_asked_for() -> None:
    """RestoreTableFromBackup and RestoreTableToPointInTime with SSESpecificationOverride:
    the restored table is encrypted with that key, as on AWS (DynamoDB API reference,
    RestoreTableFromBackup); moto drops the override and restores the table unencrypted."""

    def with_override(restore):
        def handler(self):
            answer = restore(self)
            override = self.body.get("SSESpecificationOverride")
            if override:
                table = self.dynamodb_backend.get_table(self.body["TargetTableName"])
                table.sse_specification = dict(override)
                answer = type(answer)(table.describe())
            return answer

        return handler

    for name in ("restore_table_from_backup", "restore_table_to_point_in_time"):
        setattr(DynamoHandler, name, with_override(getattr(DynamoHandler, name)))


def costs_that_grow_with_the_data() -> None:
    """moto's answers as they were, without the work that grew with every stored item,
    user and request (see the module's docstring)."""

    def plain(value):
        return value.cast_value if isinstance(value, DynamoType) else value

    def all_items(self):
        items = []
        for hash_set in self.items.values():
            if self.range_key_attr:
                items.extend(hash_set.values())
            else:
                items.append(hash_set)
        # moto's own order, (hash key, range key), on the values the keys compare by.
        return sorted(
            items,
            key=lambda x: (plain(x.hash_key), plain(x.range_key)) if x.range_key else plain(x.hash_key),
        )

    Table.all_items = all_items

    def get_user(self, username):
        # Cognito's admin operations also take "the sub of a local user" where the name is
        # no alias (AdminGetUser's Username, API reference): looked for in the same pass.
        attribute_types = self.extended_config.get("UsernameAttributes")
        if attribute_types:
            by_sub = None
            for user in self.users.values():
                for attribute in user.attributes:
                    if attribute["Name"] in attribute_types and attribute["Value"] == username:
                        return user
                if user.id == username:
                    by_sub = user
            return self.users.get(username) or by_sub
        if username in self.users:
            return self.users[username]
        return next((user for user in self.users.values() if user.id == username), None)

    CognitoIdpUserPool._get_user = get_user

    def get_user_extra_data_by_client_id(self, client_id, username):
        client = self.clients.get(client_id)
        if not client:
            return {}
        values = {}
        for attribute in self._get_user(username).attributes:
            values.setdefault(attribute["Name"], attribute["Value"])
        readable = client.get_readable_fields()
        return {name: values[name] for name in readable if name in values}

    CognitoIdpUserPool.get_user_extra_data_by_client_id = get_user_extra_data_by_client_id

    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: modules


def sign_out_by_user_and_disable_revokes() -> None:
    """Tokens are the user's, whatever name they were filed under.

    GlobalSignOut and AdminUserGlobalSignOut "invalidate the identity, access, and refresh
    tokens that Amazon Cognito issued to a user" (API reference), and AdminUserGlobalSignOut
    names the user by username, any alias or sub. moto files InitiateAuth's tokens under
    the name signed in with (an e-mail) and the Hosted UI's under the username, then
    compared names as strings: each token's name is resolved to its user here.

    AdminDisableUser "deactivates a user and revokes all access tokens for the user" (API
    reference); the local stack also ends the user's refresh tokens, so a re-enabled user
    signs in afresh (stricter than Cognito, whose refresh tokens of a re-enabled user are
    not documented). A disabled user's refresh is refused with "User is disabled." as its
    sign-in is, and the Hosted UI's minting refuses it too (`oauth_tokens`)."""

    def sign_out(self, username):
        user = self._get_user(username)
        if user is None:
            return
        resolved = {}

        def is_the_user(name):
            if name not in resolved:
                resolved[name] = self._get_user(name) is user
            return resolved[name]

        for token, held in list(self.refresh_tokens.items()):
            if held is not None and held[1] and is_the_user(held[1]):
                self.refresh_tokens[token] = None
        for token, (_, name) in list(self.access_tokens.items()):
            if is_the_user(name):
                self.access_tokens.pop(token)

    CognitoIdpUserPool.sign_out = sign_out

    refresh = CognitoIdpUserPool.create_tokens_from_refresh_token

    def create_tokens_from_refresh_token(self, refresh_token):
        held = self.refresh_tokens.get(refresh_token)
        user = self._get_user(held[1]) if held and held[1] else None
        if user is not None and not user.enabled:
            raise NotAuthorizedError("User is disabled.")
        # A Hosted UI refresh token refreshed through InitiateAuth keeps the scopes it was
        # granted: moto would mint aws.cognito.signin.user.admin, a scope never granted.
        grant = self.__dict__.get("oauth_grants", {}).get(refresh_token)
        MINTING.scope = grant["scope"] if grant else None
        try:
            return refresh(self, refresh_token)
        finally:
            MINTING.scope = None

    CognitoIdpUserPool.create_tokens_from_refresh_token = create_tokens_from_refresh_token

    disable = CognitoIdpBackend.admin_disable_user

    def admin_disable_user(self, user_pool_id, username):
        disable(self, user_pool_id, username)
        self.describe_user_pool(user_pool_id).sign_out(username)

    CognitoIdpBackend.admin_disable_user = admin_disable_user


def keep_logging_config() -> None:
    create, describe, update = (
        LambdaFunction.__init__,
        LambdaFunction.get_configuration,
        LambdaFunction.update_configuration,
    )

    def created(self, account_id, spec, *args, **kwargs):
        create(self, account_id, spec, *args, **kwargs)
        self.logging_config = spec.get("LoggingConfig")

    def described(self, *args, **kwargs):
        config = describe(self, *args, **kwargs)
        if getattr(self, "logging_config", None):
            config["LoggingConfig"] = self.logging_config
        return config

    def updated(self, changes):
        if "LoggingConfig" in changes:
            self.logging_config = changes["LoggingConfig"]
        return update(self, changes)

    LambdaFunction.__init__ = created
    LambdaFunction.get_configuration = described
    LambdaFunction.update_configuration = updated


SAVE_STATE_PATH = "/_local/save-state"
LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


def private_key(pem: bytes):
    return serialization.load_pem_private_key(pem, password=None)


class StatePickler(pickle.Pickler):
    """Pickles what moto's models hold that pickle cannot: KMS keys (as PEM), locks (new
    ones), Lambda's weak index of functions (the functions themselves are pickled) and
    defaultdicts made by a lambda."""

    def reducer_override(self, obj):
        if isinstance(obj, PRIVATE_KEY_TYPES):
            pem = obj.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            return private_key, (pem,)
        if isinstance(obj, LOCK_TYPES):
            return type(obj), ()
        if isinstance(obj, weakref.WeakValueDictionary):
            return weakref.WeakValueDictionary, (dict(obj),)
        if isinstance(obj, defaultdict) and getattr(obj.default_factory, "__name__", "") == "<lambda>":
            # Such as Lambda's `defaultdict(lambda: {})`: the factory is the type it makes.
            return defaultdict, (type(obj.default_factory()),), None, None, iter(obj.items())
        return NotImplemented


def save_state(path: str) -> int:
    """Pickles every backend moto has created (service, account, region); returns how many."""
    with backend_lock, DYNAMODB_LOCK, COGNITO_LOCK:
        state = [
            (backends.backend.__module__, backends.backend.__name__, account, region, backend)
            for backends in BackendDict._instances
            for account, region, backend in backends.iter_backends()
        ]
        partial = f"{path}.partial"
        with open(partial, "wb") as out:
            StatePickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
    os.replace(partial, path)
    return len(state)


def load_state(path: str) -> int:
    """Puts the backends `save_state` pickled back where moto looks them up."""
    with open(path, "rb") as saved:
        state = pickle.load(saved)
    for module, name, account, region, backend in state:
        backends = next(
            value
            for value in vars(importlib.import_module(module)).values()
            if isinstance(value, BackendDict) and value.backend.__name__ == name
        )
        dict.__setitem__(backends[account], region, backend)
    return len(state)


def with_save_state(app, path):
    """The WSGI app, plus `POST /_local/save-state` writing the state to `path`."""

    def serve(environ, start_response):
        if environ.get("PATH_INFO") != SAVE_STATE_PATH:
            return app(environ, start_response)
        if environ.get("REQUEST_METHOD") != "POST" or not path:
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"POST only, and only when started with --save-state\n"]
        saved = save_state(path)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"saved {saved} backends\n".encode()]

    return serve


PASSWORD_PATH = "/_local/cognito/password"


def serve_passwords(app):
    from moto.cognitoidp.models import cognitoidp_backends

    def lookup(pool_id: str, username: str):
        with COGNITO_LOCK:  # _get_user walks the users a SignUp may be adding to
            return find(pool_id, username)

    def find(pool_id: str, username: str):
        for regions in cognitoidp_backends.values():
            for backend in regions.values():
                pool = backend.user_pools.get(pool_id)
                user = pool._get_user(username) if pool else None
                if user:
                    return {
                        "Username": user.username,
                        "Password": user.password,
                        "UserStatus": user.status,
                        "Enabled": user.enabled,
                    }
        return None

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") != PASSWORD_PATH or environ.get("REQUEST_METHOD") != "POST":
            return app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            asked = json.loads(environ["wsgi.input"].read(length) or b"{}")
            found = lookup(str(asked["UserPoolId"]), str(asked["Username"]))
        except (ValueError, KeyError, TypeError):
            found = None
        status = "200 OK" if found else "404 Not Found"
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(found or {}).encode()]

    return wsgi


OAUTH_TOKENS_PATH = "/_local/cognito/oauth-tokens"
OAUTH_REFRESH_PATH = "/_local/cognito/oauth-refresh"
REVOKE_PATH = "/_local/cognito/revoke"
# What the tokens this request's thread mints add to moto's claims: the local issuer's
# base (the X-Local-Issuer-Base header), and for Hosted UI tokens the scope granted and
# the nonce asked for.
MINTING = threading.local()


def naming_the_local_issuer(app):
    """Tokens minted while answering a request name the issuer of the runner that sent it;
    without the header, moto's own (AWS's) issuer."""

    def wsgi(environ, start_response):
        MINTING.issuer_base = environ.get("HTTP_X_LOCAL_ISSUER_BASE")
        try:
            return app(environ, start_response)
        finally:
            MINTING.issuer_base = None

    return wsgi


def local_issuer_and_oauth_claims() -> None:
    """Every token moto signs names the local issuer `{base}/{pool id}` (the AWS front's
    URL, where discovery and JWKS are served) instead of AWS's, whose documents cannot be
    fetched offline; Hosted UI tokens also carry their scope and nonce."""
    create = CognitoIdpUserPool.create_jwt

    def create_jwt(self, client_id, username, token_use, expires_in=60 * 60, extra_data=None):
        extra = dict(extra_data or {})
        base = getattr(MINTING, "issuer_base", None)
        if base:
            extra["iss"] = f"{base.rstrip('/')}/{self.id}"
        scope, nonce = getattr(MINTING, "scope", None), getattr(MINTING, "nonce", None)
        if token_use == "access" and scope:
            extra["scope"] = scope
        if token_use == "id" and nonce:
            extra["nonce"] = nonce
        return create(self, client_id, username, token_use, expires_in, extra)

    CognitoIdpUserPool.create_jwt = create_jwt


def find_pool(pool_id: str):
    from moto.cognitoidp.models import cognitoidp_backends

    for regions in cognitoidp_backends.values():
        for backend in regions.values():
            if pool_id in backend.user_pools:
                return backend.user_pools[pool_id]
    return None


def mint(pool, client_id: str, username: str, origin_jti: str, grant: dict) -> dict:
    """Access and (with the openid scope) ID tokens, as the Hosted UI's token endpoint
    gives them: the granted scopes in the access token, the nonce in the ID token."""
    MINTING.scope, MINTING.nonce = grant["scope"], grant.get("nonce")
    try:
        access, expires_in = pool.create_access_token(client_id, username, origin_jti)
        tokens = {"access_token": access, "expires_in": expires_in, "token_type": "Bearer"}
        if "openid" in grant["scope"].split():
            tokens["id_token"], _ = pool.create_id_token(client_id, username, origin_jti)
        return tokens
    finally:
        MINTING.scope, MINTING.nonce = None, None


def oauth_tokens(asked: dict):
    """{UserPoolId, ClientId, Username, Scope, Nonce?}: a new grant's tokens."""
    pool = find_pool(str(asked["UserPoolId"]))
    user = pool._get_user(str(asked["Username"])) if pool else None
    client_id = str(asked["ClientId"])
    # A disabled user gets no tokens on any path ("User is disabled.").
    if not user or not user.enabled or client_id not in pool.clients:
        return None
    refresh, origin_jti = pool.create_refresh_token(client_id, user.username)
    grant = {"scope": str(asked["Scope"]), "nonce": asked.get("Nonce")}
    # Kept on the pool, so a snapshot keeps it with the refresh token it belongs to.
    pool.__dict__.setdefault("oauth_grants", {})[refresh] = {"scope": grant["scope"]}
    return {**mint(pool, client_id, user.username, origin_jti, grant), "refresh_token": refresh}


def oauth_refresh(asked: dict):
    """{UserPoolId, ClientId, RefreshToken}: new tokens for a live refresh token of that
    client, with the scopes it was granted (the API path's ones for an API-path token)."""
    pool = find_pool(str(asked["UserPoolId"]))
    refresh = str(asked["RefreshToken"])
    held = pool.refresh_tokens.get(refresh) if pool else None
    if not held or held[0] != str(asked["ClientId"]) or not held[1]:
        return None
    client_id, username, origin_jti = held
    user = pool._get_user(username)
    if not user or not user.enabled:
        return None
    grant = pool.__dict__.get("oauth_grants", {}).get(refresh, {"scope": "aws.cognito.signin.user.admin"})
    return mint(pool, client_id, username, origin_jti, grant)


def revoke(asked: dict):
    """{UserPoolId, ClientId, Token}: RevokeToken, which moto lacks. A refresh token of that
    client stops working, and so do the access tokens issued from it; any other token is
    left alone and the answer is the same (RFC 7009: nothing to learn from it)."""
    pool = find_pool(str(asked["UserPoolId"]))
    token = str(asked["Token"])
    held = pool.refresh_tokens.get(token) if pool else None
    if not held or held[0] != str(asked["ClientId"]):
        return {"Revoked": False}
    origin_jti = held[2]
    pool.refresh_tokens[token] = None
    for access in list(pool.access_tokens):
        payload = access.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        if claims.get("origin_jti") == origin_jti:
            pool.access_tokens.pop(access)
    return {"Revoked": True}


def serve_local_cognito(app):
    """The runner's own Cognito calls (behind the control secret): Hosted UI tokens, their
    refresh, RevokeToken."""
    handlers = {OAUTH_TOKENS_PATH: oauth_tokens, OAUTH_REFRESH_PATH: oauth_refresh, REVOKE_PATH: revoke}

    def wsgi(environ, start_response):
        handler = handlers.get(environ.get("PATH_INFO"))
        if handler is None or environ.get("REQUEST_METHOD") != "POST":
            return app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            asked = json.loads(environ["wsgi.input"].read(length) or b"{}")
            with COGNITO_LOCK:
                answer = handler(asked)
        except (ValueError, KeyError, TypeError, AttributeError):
            answer = None
        start_response("200 OK" if answer else "404 Not Found", [("Content-Type", "application/json")])
        return [json.dumps(answer or {}).encode()]

    return wsgi


CONTROL_SECRET = "HTTP_X_LOCAL_CONTROL_SECRET"
CONTROL_PREFIXES = ("_local", "moto-api")


def is_control_path(raw: str) -> bool:
    """True for any spelling of a control path moto's server could route as one: encoded
    (`%5F`, even twice), with empty or dot segments, backslashes or other letter case."""
    if raw.lower().startswith(("http://", "https://")):
        raw = urllib.parse.urlsplit(raw).path  # an absolute-form request target
    path = raw.split("?", 1)[0].split("#", 1)[0]
    for _ in range(4):
        decoded = urllib.parse.unquote(path)
        if decoded == path:
            break
        path = decoded
    segments = []
    for segment in path.replace("\\", "/").split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment.strip().lower())
    return bool(segments) and segments[0] in CONTROL_PREFIXES


def guarding_the_control_endpoints(app, secret: str):
    """Refuses (403) a control path without the stack's control secret, compared in
    constant time; without a secret at all, every control path is refused."""

    def wsgi(environ, start_response):
        spellings = (environ.get(key, "") for key in ("PATH_INFO", "RAW_URI", "REQUEST_URI"))
        if any(is_control_path(spelling) for spelling in spellings):
            given = environ.get(CONTROL_SECRET, "").encode()
            if not secret or not hmac.compare_digest(given, secret.encode()):
                # The body is read first: a connection closed on an unread body can hang
                # the client instead of ending.
                try:
                    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
                except ValueError:
                    pass
                start_response("403 Forbidden", [("Content-Type", "application/json")])
                return [b'{"message": "the local control endpoints need the stack\'s control secret"}']
        return app(environ, start_response)

    return wsgi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--port-file", help="where to write the bound port once listening")
    parser.add_argument("--load-state", help="a state file to restore before serving")
    parser.add_argument("--save-state", help="where POST /_local/save-state writes the state")
    parser.add_argument("--secrets-file", help="JSON with the control_secret that opens the control endpoints")
    args = parser.parse_args()
    secret = ""
    if args.secrets_file:
        with open(args.secrets_file) as secrets:
            secret = json.load(secrets)["control_secret"]

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("werkzeug").addFilter(DropQueryStrings())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    DynamoHandler.call_action = one_at_a_time(DynamoHandler.call_action, DYNAMODB_LOCK)
    CognitoIdpResponse.call_action = one_at_a_time(CognitoIdpResponse.call_action, COGNITO_LOCK)
    transactions_back_up_their_items()
    keep_logging_config()
    local_issuer_and_oauth_claims()
    costs_that_grow_with_the_data()
    restores_take_the_encryption_asked_for()
    sign_out_by_user_and_disable_revokes()

    if args.load_state:
        print(f"moto: restored {load_state(args.load_state)} backends", flush=True)
    app = DomainDispatcherApplication(create_backend_app)
    app = with_save_state(serve_local_cognito(serve_passwords(app)), args.save_state)
    app = guarding_the_control_endpoints(naming_the_local_issuer(app), secret)
    server = make_server(
        args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler
    )
    # moto builds some URLs (Lambda's endpoint) from MOTO_PORT.
    os.environ["MOTO_PORT"] = str(server.port)
    if args.port_file:
        partial = f"{args.port_file}.partial"
        with open(partial, "w") as out:
            out.write(f"{server.port}\n")
        os.replace(partial, args.port_file)
    print(f"moto listening on http://{args.host}:{server.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
