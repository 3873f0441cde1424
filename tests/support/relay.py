"""A TCP relay on loopback between the Rasa servers and the action server, which can lose
one answer the way a crash loses it.

`lose_answer_to(marker, then)`: the next request that contains `marker` reaches the action
server, which does its work and answers; as the answer comes back, the relay runs `then`
(kill -9 the action server) and closes the connection without passing the answer on. The
Rasa server sees the action server die after the work was done, before it said so: a
moment a test could not hit by timing a kill."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Optional

CHUNK = 65536


class Relay:
    """Listens on 127.0.0.1:`port` (free) and relays every connection to `upstream`."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._marker: Optional[bytes] = None
        self._then: Optional[Callable[[], None]] = None
        self.lost = threading.Event()  # set once an answer was lost
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def lose_answer_to(self, marker: bytes, then: Callable[[], None]) -> None:
        with self._lock:
            self._marker, self._then = marker, then
            self.lost.clear()

    def close(self) -> None:
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream), timeout=10)
            except OSError:
                client.close()  # the action server is down: as if the relay were not there
                continue
            server.settimeout(None)
            _Connection(self, client, server).start()

    def _claim(self, seen: bytes) -> Optional[Callable[[], None]]:
        """What to do when this request's answer comes, if `seen` holds the marker (once)."""
        with self._lock:
            if self._marker is None or self._marker not in seen:
                return None
            then, self._marker, self._then = self._then, None, None
            return then


class _Connection:
    def __init__(self, relay: Relay, client: socket.socket, server: socket.socket) -> None:
        self.relay, self.client, self.server = relay, client, server
        self.doomed: Optional[Callable[[], None]] = None
        self.window = b""  # the request's latest bytes, for a marker split over reads

    def start(self) -> None:
        threading.Thread(target=self._requests, daemon=True).start()
        threading.Thread(target=self._answers, daemon=True).start()

    def _requests(self) -> None:
        try:
            while data := self.client.recv(CHUNK):
                self.window = (self.window + data)[-CHUNK:]
                if self.doomed is None:
                    self.doomed = self.relay._claim(self.window)
                self.server.sendall(data)
        except OSError:
            pass
        finally:
            _shut(self.server, socket.SHUT_WR)

    def _answers(self) -> None:
        try:
            while data := self.server.recv(CHUNK):
                if self.doomed is not None:
                    self.doomed()  # the work is done and answered: now the crash
                    self.relay.lost.set()
                    break
                self.window = b""
                self.client.sendall(data)
        except OSError:
            pass
        finally:
            # Shut down, not only closed: the other thread's recv holds the socket open.
            for sock in (self.client, self.server):
                _shut(sock, socket.SHUT_RDWR)
                sock.close()


def _shut(sock: socket.socket, how: int) -> None:
    try:
        sock.shutdown(how)
    except OSError:
        pass
