"""A TCP proxy that can be cut and restored, to make a real server unreachable.

Tests use ``TcpProxy`` in process; the fault campaign runs it in front of PostgreSQL:

    python -m devtools.tcp_proxy --target-port 5432 [--port 0]

prints ``port=<n>`` once listening; SIGUSR1 cuts, SIGUSR2 restores, each change logged
with its time. Standard library only (it runs in either venv).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import socket
import sys
import threading
import time

from devtools.net import free_port


class TcpProxy:
    """Forwards 127.0.0.1:``port`` (a free one unless given) to ``target``.

    ``stop`` cuts: the listener closes (new connections are refused, as from a host that
    is down) and every open connection is dropped. ``start`` listens again on the same
    port. With ``cut_on`` set, the next connection that sends those bytes is dropped
    before they reach the server (a database dying in the middle of one statement).
    """

    def __init__(self, target_port: int, target_host: str = "127.0.0.1", port: int = 0) -> None:
        self.target = (target_host, target_port)
        self.port = port or free_port()
        self.cut_on: bytes | None = None
        self.cuts = 0  # connections dropped by cut_on
        self.accepted = 0
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        """Listen (again); does nothing while listening."""
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(128)
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> int:
        """Close the listener and drop every connection; returns how many were open."""
        with self._lock:
            if self._listener is not None:
                # shutdown wakes the thread blocked in accept(); close alone would not.
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None
            dropped = len(self._sockets) // 2
            for sock in self._sockets:
                _close(sock)
            self._sockets.clear()
        return dropped

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:  # stopped meanwhile
                    client.close()
                    upstream.close()
                    continue
                self._sockets.update((client, upstream))
                self.accepted += 1
            for source, sink, outbound in ((client, upstream, True), (upstream, client, False)):
                threading.Thread(
                    target=self._pump, args=(source, sink, outbound), daemon=True
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, outbound: bool) -> None:
        try:
            while data := source.recv(65536):
                if outbound and self._cuts_here(data):
                    break  # the bytes never reach the server
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._sockets.difference_update((source, sink))
            _close(source)
            _close(sink)

    def _cuts_here(self, data: bytes) -> bool:
        with self._lock:
            if self.cut_on is None or self.cut_on not in data:
                return False
            self.cut_on = None
            self.cuts += 1
            return True


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def main() -> int:
    """Run a proxy until interrupted; SIGUSR1 cuts it, SIGUSR2 restores it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--target-host", default="127.0.0.1")
    parser.add_argument("--target-port", type=int, default=5432)
    args = parser.parse_args()
    proxy = TcpProxy(args.target_port, args.target_host, args.port)
    proxy.start()

    def log(text: str) -> None:
        print(f"{time.time():.3f} {text}", flush=True)

    def on_cut(*_: object) -> None:
        log(f"cut dropped={proxy.stop()}")

    def on_restore(*_: object) -> None:
        proxy.start()
        log("restored")

    signal.signal(signal.SIGUSR1, on_cut)
    signal.signal(signal.SIGUSR2, on_restore)
    print(f"port={proxy.port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
