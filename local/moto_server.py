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
- Lambda functions keep their LoggingConfig, which moto drops: the runner reads the
  applied log level (AWS_LAMBDA_LOG_LEVEL) from it, as Lambda does.
"""

import argparse
import copy
import functools
import logging
import os
import re
import signal
import sys
import threading

import moto.dynamodb.models as dynamodb_models
from moto.awslambda.models import LambdaFunction
from moto.cognitoidp.responses import CognitoIdpResponse
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


class DropQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                QUERY.sub("?…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        record.msg = QUERY.sub("?…", str(record.msg))
        return True


def one_at_a_time(handle):
    lock = threading.Lock()

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
            table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--port-file", help="where to write the bound port once listening")
    args = parser.parse_args()

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("werkzeug").addFilter(DropQueryStrings())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    DynamoHandler.call_action = one_at_a_time(DynamoHandler.call_action)
    CognitoIdpResponse.call_action = one_at_a_time(CognitoIdpResponse.call_action)
    transactions_back_up_their_items()
    keep_logging_config()

    app = DomainDispatcherApplication(create_backend_app)
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
