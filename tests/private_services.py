"""Short-lived private servers a test may stop: a redis-server, a moto S3 server, and a
listener that accepts connections and never answers (a hung server).

They run on free ports of 127.0.0.1, apart from the shared PostgreSQL/Redis/S3 of the
service leg, so a test can take one down without touching what other tests use.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_port(port: int, process: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def _binary(name: str) -> str:
    found = shutil.which(name) or (
        str(Path(sys.executable).with_name(name))
        if Path(sys.executable).with_name(name).exists()
        else None
    )
    if not found:
        reason = f"{name} is not installed"
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason} (DSR_REQUIRE_SERVICES is set, so this is a failure)")
        pytest.skip(reason)
    return found


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class Server:
    def __init__(self, process: subprocess.Popen, port: int, url: str) -> None:
        self.process, self.port, self.url = process, port, url

    def stop(self) -> None:
        _stop(self.process)


@contextmanager
def private_redis(password: str | None = None) -> Iterator[Server]:
    """A redis-server of this test's own; `stop()` takes it down for good."""
    binary = _binary("redis-server")
    port = free_port()
    arguments = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
    arguments += ["--appendonly", "no"]
    if password:
        arguments += ["--requirepass", password]
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(
            [*arguments, "--dir", folder],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_port(port, process)
            auth = f":{password}@" if password else ""
            yield Server(process, port, f"redis://{auth}127.0.0.1:{port}/0")
        finally:
            _stop(process)


@contextmanager
def private_moto(bucket: str = "readyz-test") -> Iterator[Server]:
    """moto's standalone S3 server on a port of its own, with `bucket` made."""
    binary = _binary("moto_server")
    port = free_port()
    process = subprocess.Popen(
        [binary, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_port(port, process, timeout=60)
        url = f"http://127.0.0.1:{port}"
        import boto3

        boto3.client(
            "s3",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        ).create_bucket(Bucket=bucket)
        yield Server(process, port, url)
    finally:
        _stop(process)


@contextmanager
def silent_listener() -> Iterator[int]:
    """A port that accepts connections and never says a word: a hung server."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    port = server.getsockname()[1]
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        server.close()


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PrivatePostgres:
    def __init__(self, bindir: Path, data: Path, port: int, as_user: list[str]) -> None:
        self.bindir, self.data, self.port, self._as = bindir, data, port, as_user

    def stop(self) -> None:
        subprocess.run(
            [
                *self._as,
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "immediate",
                "stop",
            ],
            check=False,
            capture_output=True,
            timeout=30,
        )


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of this test's own (initdb in a temporary folder, trust auth on
    127.0.0.1), which `stop()` takes down the hard way."""
    bindir = _postgres_bin()
    if bindir is None:
        reason = "PostgreSQL's server programs (initdb, pg_ctl) are not installed"
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason} (DSR_REQUIRE_SERVICES is set, so this is a failure)")
        pytest.skip(reason)
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        if as_user:
            shutil.chown(folder, "postgres")
        data = Path(folder) / "data"
        subprocess.run(
            [
                *as_user,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        server = PrivatePostgres(bindir, data, port, as_user)
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        try:
            subprocess.run(
                [
                    *as_user,
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(Path(folder) / "log"),
                    "-w",
                    "start",
                ],
                check=True,
                capture_output=True,
                timeout=60,
            )
            yield server
        finally:
            server.stop()
