"""A throwaway MariaDB server on a free loopback port, for the demo, the tests and the benchmarks.

The server lives entirely under one directory (data, socket, pid, log), listens on 127.0.0.1 only,
and is started with `--skip-name-resolve` so that TCP logins never match the anonymous
`''@'localhost'` users that `mariadb-install-db` creates (see shared NOTES.md).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pymysql

DEFAULT_USER = "extract"
DEFAULT_PASSWORD = "extract-demo-pw"  # noqa: S105 - throwaway local server, never used outside loopback


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _binary(name: str) -> str:
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if candidate and Path(candidate).exists():
            return candidate
    raise FileNotFoundError(f"{name} not found: install Debian's mariadb-server (apt-get install mariadb-server)")


@dataclass
class MariaDBServer:
    """A MariaDB server process owned by this Python process.

    Args:
        base_dir: Directory that holds the data dir, socket, pid file and error log.
        database: Database created at start-up.
        port: TCP port on 127.0.0.1; a free one when 0.
    """

    base_dir: Path
    database: str = "shop"
    port: int = 0
    user: str = DEFAULT_USER
    password: str = field(default=DEFAULT_PASSWORD, repr=False)
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """SQLAlchemy URL in the form the extractor reads from `SOURCES__MYSQL__CREDENTIALS`."""
        return self.url_for(self.database)

    def url_for(self, database: str) -> str:
        """The same URL for another database on this server."""
        return f"mysql+pymysql://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    @property
    def socket_path(self) -> Path:
        """Unix socket of the server (root access without a password)."""
        return self.base_dir / "mysqld.sock"

    def start(self, timeout_s: float = 60.0) -> MariaDBServer:
        """Initialise the data dir if needed, start the server and create the user and database."""
        self.base_dir = self.base_dir.resolve()
        data_dir = self.base_dir / "data"
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if not (data_dir / "mysql").exists():
            subprocess.run(
                [
                    _binary("mariadb-install-db"),
                    f"--datadir={data_dir}",
                    "--auth-root-authentication-method=socket",
                    "--skip-test-db",
                    *(["--user=root"] if os.geteuid() == 0 else []),
                ],
                check=True,
                capture_output=True,
            )
        if not self.port:
            self.port = free_port()
        args = [
            _binary("mariadbd"),
            "--no-defaults",
            f"--datadir={data_dir}",
            f"--socket={self.socket_path}",
            f"--pid-file={self.base_dir / 'mysqld.pid'}",
            f"--log-error={self.base_dir / 'error.log'}",
            "--bind-address=127.0.0.1",
            f"--port={self.port}",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=256M",
            "--innodb-flush-log-at-trx-commit=2",
            "--max-allowed-packet=64M",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
            *(["--user=root"] if os.geteuid() == 0 else []),
        ]
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with self.root_connection() as conn, conn.cursor() as cur:
                    cur.execute(f"CREATE DATABASE IF NOT EXISTS `{self.database}` CHARACTER SET utf8mb4")
                    cur.execute(f"CREATE USER IF NOT EXISTS '{self.user}'@'%%' IDENTIFIED BY %s", (self.password,))
                    cur.execute(f"GRANT ALL ON *.* TO '{self.user}'@'%%'", ())
                break
            except pymysql.err.OperationalError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    log = (self.base_dir / "error.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"MariaDB did not start on port {self.port}: {log}") from None
                time.sleep(0.2)
        return self

    def root_connection(self, database: str | None = None) -> pymysql.Connection:
        """Connect as root over the Unix socket."""
        return pymysql.connect(
            unix_socket=str(self.socket_path), user="root", database=database, autocommit=True, charset="utf8mb4"
        )

    def connect(self, **kwargs: object) -> pymysql.Connection:
        """Connect over TCP as the application user (to the server's database unless `database` is given)."""
        options: dict[str, object] = {"database": self.database, "autocommit": True, "charset": "utf8mb4", **kwargs}
        return pymysql.connect(host="127.0.0.1", port=self.port, user=self.user, password=self.password, **options)

    def kill(self) -> None:
        """Kill the server with SIGKILL, as a crash would."""
        if self._process and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait()

    def stop(self) -> None:
        """Stop the server cleanly (SIGTERM, then SIGKILL after 30 s)."""
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> MariaDBServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
