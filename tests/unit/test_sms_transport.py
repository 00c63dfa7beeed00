"""The SMS provider adapter against a loopback HTTP server (the provider cannot run here)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest

from clinic.reminders.transports import HttpSmsTransport, Outgoing, SendFailed


@pytest.fixture
def provider() -> Iterator[tuple[str, list[dict]]]:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            form = parse_qs(self.rfile.read(length).decode())
            received.append(
                {
                    "path": self.path,
                    "auth": self.headers["Authorization"],
                    "idempotency": self.headers["Idempotency-Key"],
                    **form,
                }
            )
            status = 500 if form["To"] == ["+15550000000"] else 201
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"sid": f"SM{len(received)}"}).encode())

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/2010-04-01", received
    server.shutdown()


def test_a_text_is_posted_to_the_provider(provider) -> None:
    base_url, received = provider
    transport = HttpSmsTransport(base_url, "AC1", "secret", "+14155550100")
    transport.send(Outgoing("<m1@x>", "+14155550134", "", "Visit at Lumen, Tuesday 10:00."))
    [call] = received
    assert call["path"] == "/2010-04-01/Accounts/AC1/Messages.json"
    assert call["To"] == ["+14155550134"] and call["From"] == ["+14155550100"]
    assert call["Body"] == ["Visit at Lumen, Tuesday 10:00."]
    assert call["auth"].startswith("Basic ") and call["idempotency"] == "<m1@x>"
    assert transport.sent_ids == ["SM1"]


def test_a_provider_error_is_a_send_failure_to_retry(provider) -> None:
    base_url, _ = provider
    transport = HttpSmsTransport(base_url, "AC1", "secret", "+14155550100")
    with pytest.raises(SendFailed, match="SMS provider"):
        transport.send(Outgoing("<m2@x>", "+15550000000", "", "x"))
