"""Closing a test's socket.io client without waiting for its long poll."""

from __future__ import annotations

import socketio


def close_client(client: socketio.Client) -> None:
    """Tell the server the connection is closed and return at once: a polling
    transport's plain ``disconnect()`` waits for the pending long poll to end
    (up to the server's 25-30 s ping interval)."""
    client.eio.disconnect(abort=True)
