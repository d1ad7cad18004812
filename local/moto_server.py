"""moto's server for the local stack, with query strings cut from its access log.

A presigned S3 URL's query string is a credential (whoever holds it may upload or read
a picture), and the AWS front hands moto every presigned request as it came.
"""

import logging
import re
import sys

from moto.server import main

QUERY = re.compile(r"\?\S*")


class DropQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                QUERY.sub("?…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        record.msg = QUERY.sub("?…", str(record.msg))
        return True


if __name__ == "__main__":
    logging.getLogger("werkzeug").addFilter(DropQueryStrings())
    sys.exit(main(sys.argv[1:]))
