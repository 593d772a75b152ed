"""HTTP/1.1 requests as bytes, so a test can send what no well-behaved client would
(non-UTF-8 paths and bodies, broken percent-escapes, odd methods)."""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class RawReply:
    status: int  # 0: the connection closed without a reply
    head: bytes
    body: bytes


def send(
    url: str,
    method: bytes,
    target: bytes,
    headers: dict[bytes, bytes] | None = None,
    body: bytes = b"",
    timeout: float = 60,
) -> RawReply:
    """One request on a fresh connection (``Connection: close``); the whole reply."""
    parts = urlsplit(url)
    lines = [method + b" " + target + b" HTTP/1.1", b"Host: " + parts.netloc.encode()]
    lines += [name + b": " + value for name, value in (headers or {}).items()]
    lines += [b"Content-Length: " + str(len(body)).encode(), b"Connection: close", b"", b""]
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        # Refused before the body was read (e.g. 413)? The reply says so.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(b"\r\n".join(lines) + body)
        data = _read_all(sock)
    head, _, content = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 "):
        return RawReply(0, head, content)
    return RawReply(int(head.split(b" ", 2)[1]), head, content)


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)
