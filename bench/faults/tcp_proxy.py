"""A TCP proxy in front of PostgreSQL that the fault campaign cuts and restores, so the
ledger database becomes unreachable while the tracker store (direct) stays up.

    python bench/faults/tcp_proxy.py --target-port 5432 [--port 0]

Prints ``port=<n>`` once listening. SIGUSR1 cuts: the listener closes (new connections
are refused, as from a host that is down) and every open connection is dropped.
SIGUSR2 restores the listener on the same port. Each change is logged with its time.
Standard library only (it runs in either venv).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import socket
import sys
import threading
import time


class CuttableProxy:
    def __init__(self, target: tuple[str, int], port: int = 0) -> None:
        self.target = target
        self.port = port
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None
        self.sockets: set[socket.socket] = set()
        self.accepted = 0

    def listen(self) -> None:
        with self.lock:
            if self.listener is not None:
                return
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(128)
            self.port = listener.getsockname()[1]
            self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> int:
        """Close the listener and drop every connection; returns how many were open."""
        with self.lock:
            if self.listener is not None:
                with contextlib.suppress(OSError):
                    self.listener.shutdown(socket.SHUT_RDWR)
                self.listener.close()
                self.listener = None
            dropped = len(self.sockets) // 2
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()
        return dropped

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                if self.listener is not listener:  # cut meanwhile
                    client.close()
                    upstream.close()
                    continue
                self.sockets.update((client, upstream))
                self.accepted += 1
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self.lock:
                self.sockets.discard(source)
                self.sockets.discard(sink)
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--target-host", default="127.0.0.1")
    parser.add_argument("--target-port", type=int, default=5432)
    args = parser.parse_args()
    proxy = CuttableProxy((args.target_host, args.target_port), args.port)
    proxy.listen()

    def log(text: str) -> None:
        print(f"{time.time():.3f} {text}", flush=True)

    def on_cut(*_: object) -> None:
        log(f"cut dropped={proxy.cut()}")

    def on_restore(*_: object) -> None:
        proxy.listen()
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
