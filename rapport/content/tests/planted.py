"""A small planted site served by a threaded http.server on the loopback address: each page
carries one known fault (or none), so the checker's findings can be compared exactly.

Every answer carries an ETag made from its body and a matching `If-None-Match` gets a 304, as
the store's pages do; `served` (when given) records each request's path and status."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


@dataclass
class Resource:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0


def page(title: str | None, description: str | None, body: str = "") -> Resource:
    head = ""
    if title is not None:
        head += f"<title>{title}</title>"
    if description is not None:
        head += f'<meta name="description" content="{description}">'
    return Resource(f"<!doctype html><html><head>{head}</head><body>{body}</body></html>".encode())


def image() -> Resource:
    return Resource(PNG, "image/png")


def make_server(
    resources: dict[str, Resource], served: list[tuple[str, int]] | None = None
) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the crawler reuses its connections

        def _answer(self, with_body: bool) -> None:
            item = resources.get(self.path.split("?")[0])
            if item is None:
                item = Resource(b"not found", "text/plain", 404)
            if item.delay:
                time.sleep(item.delay)
            etag = '"' + hashlib.sha256(item.body).hexdigest()[:16] + '"'
            if item.status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if served is not None:
                    served.append((self.path, 304))
                return
            self.send_response(item.status)
            self.send_header("Content-Type", item.content_type)
            self.send_header("Content-Length", str(len(item.body)))
            if item.status == 200:
                self.send_header("ETag", etag)
            self.end_headers()
            if with_body:
                self.wfile.write(item.body)
            if served is not None:
                served.append((self.path, item.status))

        def do_GET(self) -> None:
            self._answer(True)

        def do_HEAD(self) -> None:
            self._answer(False)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


@contextmanager
def serve(
    resources: dict[str, Resource], served: list[tuple[str, int]] | None = None
) -> Iterator[str]:
    server = make_server(resources, served)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
