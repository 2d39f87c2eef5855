"""An SMTP server on loopback for the email tests: aiosmtpd, writing each message it receives
to a directory as JSON, parsed by Python's own email package (not by the code under test).

    python ops/smtp-sink.py DIR

Listens on 127.0.0.1 at a port the system picks and prints `port=N` once it listens. Each
message becomes DIR/<n>.json: {"mail_from", "rcpt_tos", "subject", "message_id", "from", "to",
"text", "attachments": [{"filename", "content_type", "base64"}]}. Stops when stdin closes.
"""

import asyncio
import base64
import json
import os
import sys
from email import policy
from email.parser import BytesParser

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        text = message.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(message["subject"]),
            "message_id": str(message["message-id"]),
            "from": str(message["from"]),
            "to": str(message["to"]),
            "text": text.get_content() if text is not None else None,
            "attachments": [
                {
                    "filename": part.get_filename(),
                    "content_type": part.get_content_type(),
                    "base64": base64.b64encode(part.get_payload(decode=True)).decode(),
                }
                for part in message.iter_attachments()
            ],
        }
        self.count += 1
        final = os.path.join(self.directory, f"{self.count:04}.json")
        with open(final + ".tmp", "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False)
        os.replace(final + ".tmp", final)
        return "250 OK"


async def main(directory):
    loop = asyncio.get_running_loop()
    sink = Sink(directory)
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="sink.test"), "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    print(f"port={port}", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
