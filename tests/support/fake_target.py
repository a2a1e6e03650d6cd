"""A fake PostgreSQL server: a real TCP listener that speaks enough of the wire protocol to make a
client send its password (cleartext authentication), records it, and refuses the login.

Tests point instances at it to see exactly which credentials the service sends where.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field


@dataclass
class Login:
    user: str
    database: str
    password: str


@dataclass
class FakePostgres:
    host: str = "127.0.0.1"
    logins: list[Login] = field(default_factory=list)
    _sock: socket.socket | None = None

    @property
    def port(self) -> int:
        assert self._sock is not None
        return int(self._sock.getsockname()[1])

    def start(self) -> FakePostgres:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self.host, 0))
        self._sock.listen(16)
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _serve(self) -> None:
        while self._sock is not None:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            try:
                params = self._startup(conn)
                if params is None:
                    return
                conn.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
                kind, body = _message(conn)
                if kind == b"p":
                    password = body.rstrip(b"\x00").decode(errors="replace")
                    self.logins.append(Login(params.get("user", ""), params.get("database", ""), password))
                error = b"SFATAL\x00C28P01\x00Mpassword authentication failed (fake server)\x00\x00"
                conn.sendall(b"E" + struct.pack("!i", len(error) + 4) + error)
            except (OSError, ValueError, struct.error):
                return

    @staticmethod
    def _startup(conn: socket.socket) -> dict[str, str] | None:
        while True:
            length = struct.unpack("!i", _exact(conn, 4))[0]
            payload = _exact(conn, length - 4)
            code = struct.unpack("!i", payload[:4])[0]
            if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest: not here
                conn.sendall(b"N")
                continue
            if code == 196608:  # protocol 3.0
                parts = payload[4:].split(b"\x00")
                return {parts[i].decode(): parts[i + 1].decode() for i in range(0, len(parts) - 1, 2) if parts[i]}
            return None


def _exact(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ValueError("closed")
        data += chunk
    return data


def _message(conn: socket.socket) -> tuple[bytes, bytes]:
    kind = _exact(conn, 1)
    length = struct.unpack("!i", _exact(conn, 4))[0]
    return kind, _exact(conn, length - 4)
