"""A real SMTP server in the test process, for the tests whose Celery worker process
sends email (tests/test_assessments_emails_worker.py, tests/test_invitation_emails.py)."""

from __future__ import annotations

import socketserver
import threading
import time
from collections import Counter


class SMTPReceiver:
    """An SMTP server in a thread: records each message's recipients, takes ``delay``
    seconds to accept a message, and refuses the addresses in ``refused`` (550)."""

    def __init__(self):
        self.messages: list[list[str]] = []
        self.refused: set[str] = set()
        self.delay = 0.0
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.reply("220 test ESMTP")
                recipients: list[str] = []
                while line := self.rfile.readline():
                    command = line.decode(errors="replace").strip()
                    verb = command[:4].upper()
                    if verb == "MAIL":
                        recipients = []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        address = command.split(":", 1)[1].strip().strip("<>").lower()
                        if address in receiver.refused:
                            self.reply("550 No such mailbox")
                        else:
                            recipients.append(address)
                            self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        while self.rfile.readline() not in (b".\r\n", b""):
                            pass
                        time.sleep(receiver.delay)
                        receiver.messages.append(recipients)
                        self.reply("250 Queued")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:  # EHLO, HELO, RSET, NOOP
                        self.reply("250 OK")

            def reply(self, text: str) -> None:
                self.wfile.write(text.encode() + b"\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def received(self) -> Counter[str]:
        return Counter(address for recipients in self.messages for address in recipients)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
