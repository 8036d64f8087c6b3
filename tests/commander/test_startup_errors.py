"""A commander that cannot start says why in one line, names the file or URL, and exits.

Each case runs the real ``python -m minerfarm commander`` against a real broken environment
(a taken port, a missing certificate, a read-only or corrupt queue, PostgreSQL answering no,
a listener that never answers) and reads its console as the admin would.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import REPO, CommanderProcess, free_port, report

pytestmark = pytest.mark.slow
PG = "postgresql+asyncpg://postgres@127.0.0.1:5432"


def start_failing(data_dir: Path, *args: str, env: dict[str, str] | None = None,
                  argv: list[str] | None = None, timeout: float = 30) -> tuple[str, float]:
    """Start a commander that must refuse to start; its console output and how long it took."""
    command = [*(argv or [sys.executable, "-m", "minerfarm"]), "commander",
               "--data-dir", str(data_dir), "--host", "127.0.0.1", *args]
    if "--port" not in args:
        command += ["--port", str(free_port())]
    began = time.monotonic()
    try:
        done = subprocess.run(command, env={**os.environ, "MINERFARM_PASSWORD": "x" * 12,
                                            **(env or {})},
                              cwd=REPO, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the commander did not stop within {timeout} s: {exc.stderr!r}")
    took = time.monotonic() - began
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "Traceback" not in output, output
    lines = output.strip().splitlines()
    assert 1 <= len(lines) <= 2, f"one line and at most a hint, got: {output}"
    assert lines[0].startswith("Error: "), output
    return output, took


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Read-only for the commander's user; root ignores modes, so it gets the immutable flag."""
    mode = path.stat().st_mode
    path.chmod(0o555 if path.is_dir() else 0o444)
    immutable = os.geteuid() == 0
    if immutable and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        path.chmod(mode)
        pytest.skip("running as root without chattr +i: cannot make a file read-only")
    try:
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(mode)


@pytest.fixture(scope="module")
def used_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir a commander ran on, holding an ingest queue with an acknowledged report."""
    process = CommanderProcess(tmp_path_factory.mktemp("used") / "data").start()
    try:
        _, token = process.create_rig("rig-1")
        with process.sentry(token) as sentry:
            answer = sentry.post("/api/v1/sentry/reports", json={"reports": [report(1)]})
            assert answer.status_code == 202
    finally:
        process.stop()
    return process.data_dir


def copy_dir(source: Path, target: Path) -> Path:
    subprocess.run(["cp", "-a", str(source), str(target)], check=True)
    return target


# -- port, data dir, certificate ---------------------------------------------------------
def test_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        output, _ = start_failing(tmp_path / "data", "--port", str(port))
    assert f"port {port} on 127.0.0.1 is in use (another commander?); stop it or pass --port" \
        in output


def test_data_dir_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    output, _ = start_failing(tmp_path / "a-file" / "data")
    assert f"cannot create the data dir {tmp_path / 'a-file' / 'data'}" in output
    assert "--data-dir" in output


def test_missing_certificate_file(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_text("unused")
    output, _ = start_failing(tmp_path / "data", "--cert", str(tmp_path / "nope.pem"),
                              "--key", str(key))
    assert f"the certificate file {tmp_path / 'nope.pem'} (--cert / MINERFARM_CERT) does not " \
        "exist" in output


def test_missing_key_file(tmp_path: Path) -> None:
    from minerfarm.commander.tls import generate_self_signed

    files = generate_self_signed(tmp_path / "cert.pem", tmp_path / "key.pem")
    output, _ = start_failing(tmp_path / "data", "--cert", str(files.cert),
                              "--key", str(tmp_path / "missing-key.pem"))
    assert f"the private key file {tmp_path / 'missing-key.pem'}" in output
    assert "does not exist" in output


def test_key_of_another_certificate(tmp_path: Path) -> None:
    from minerfarm.commander.tls import generate_self_signed

    mine = generate_self_signed(tmp_path / "a" / "cert.pem", tmp_path / "a" / "key.pem")
    other = generate_self_signed(tmp_path / "b" / "cert.pem", tmp_path / "b" / "key.pem")
    output, _ = start_failing(tmp_path / "data", "--cert", str(mine.cert),
                              "--key", str(other.key))
    assert f"the private key {other.key} (--key / MINERFARM_KEY) does not fit the " \
        f"certificate {mine.cert}" in output


# -- ingest queue ------------------------------------------------------------------------
def test_read_only_queue_file(used_data_dir: Path, tmp_path: Path) -> None:
    data = copy_dir(used_data_dir, tmp_path / "data")
    queue = data / "ingest-queue.db"
    with read_only(queue):
        output, _ = start_failing(data)
    assert f"the ingest queue {queue} is read-only for this user" in output
    assert "permissions" in output


def test_corrupt_queue_file_is_named_and_kept(used_data_dir: Path, tmp_path: Path) -> None:
    data = copy_dir(used_data_dir, tmp_path / "data")
    queue = data / "ingest-queue.db"
    damaged = bytearray(queue.read_bytes())
    damaged[:16] = b"not sqlite at al"
    queue.write_bytes(bytes(damaged))
    output, _ = start_failing(data)
    assert f"the ingest queue {queue} is corrupt" in output
    assert f"mv {queue} {queue}.corrupt" in output
    assert queue.read_bytes() == bytes(damaged), "the queue holds acknowledged reports: keep it"


def test_queue_with_damaged_pages(used_data_dir: Path, tmp_path: Path) -> None:
    data = copy_dir(used_data_dir, tmp_path / "data")
    queue = data / "ingest-queue.db"
    damaged = bytearray(queue.read_bytes())
    page = 4096
    assert len(damaged) >= 3 * page
    damaged[page:3 * page] = b"\xa5" * (2 * page)  # two b-tree pages, header intact
    queue.write_bytes(bytes(damaged))
    output, _ = start_failing(data)
    assert f"the ingest queue {queue} is corrupt" in output


# -- database ----------------------------------------------------------------------------
def test_unknown_database_driver(tmp_path: Path) -> None:
    output, _ = start_failing(tmp_path / "data", "--database-url", "mysqlx+nope://u:pw@h/db")
    assert "unknown database driver 'mysqlx+nope' in mysqlx+nope://u:***@h/db" in output
    assert "pw@" not in output


def test_database_refuses_connection_and_password_is_masked(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    output, _ = start_failing(tmp_path / "data", "--database-url",
                              f"postgresql+asyncpg://farm:s3cr3t@127.0.0.1:{port}/minerfarm")
    assert f"the database server at 127.0.0.1:{port} refused the connection" in output
    assert f"postgresql+asyncpg://farm:***@127.0.0.1:{port}/minerfarm" in output
    assert "s3cr3t" not in output


def test_unknown_database_host(tmp_path: Path) -> None:
    output, _ = start_failing(tmp_path / "data", "--database-url",
                              "postgresql+asyncpg://farm@no-such-host.invalid/minerfarm")
    assert "unknown database host 'no-such-host.invalid'" in output


def test_database_that_never_answers_times_out(tmp_path: Path) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts (the kernel does), then says nothing
        port = silent.getsockname()[1]
        output, took = start_failing(
            tmp_path / "data", "--database-url",
            f"postgresql+asyncpg://farm@127.0.0.1:{port}/minerfarm",
            env={"MINERFARM_DATABASE_TIMEOUT_S": "2"})
    assert f"the database at 127.0.0.1:{port} did not answer within 2 s" in output
    assert "MINERFARM_DATABASE_TIMEOUT_S" in output
    assert "lifespan" not in output.lower()
    assert took < 15


def test_database_driver_not_installed(tmp_path: Path) -> None:
    # This interpreter has asyncpg; the child acts as one without it.
    argv = [sys.executable, "-c", "import sys; sys.modules['asyncpg'] = None; "
            "from minerfarm.cli import main; main()"]
    output, _ = start_failing(tmp_path / "data", "--database-url", f"{PG}/minerfarm",
                              argv=argv)
    assert "the database driver asyncpg" in output and "is not installed" in output
    assert "pip install 'minerfarm[postgres]'" in output


def test_sqlite_database_in_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "readonly"
    folder.mkdir()
    with read_only(folder):
        output, _ = start_failing(tmp_path / "data", "--database-url",
                                  f"sqlite+aiosqlite:///{folder}/farm.db")
    assert f"the SQLite database {folder}/farm.db is read-only for this user" in output


def _postgres_or_skip() -> None:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
    except OSError:
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")


def test_postgres_database_does_not_exist(tmp_path: Path) -> None:
    _postgres_or_skip()
    output, _ = start_failing(tmp_path / "data", "--database-url",
                              f"{PG}/minerfarm_no_such_db")
    assert "the database server at 127.0.0.1:5432 has no database 'minerfarm_no_such_db'" \
        in output
    assert "createdb minerfarm_no_such_db" in output


def test_postgres_refuses_the_user(tmp_path: Path) -> None:
    _postgres_or_skip()
    output, _ = start_failing(tmp_path / "data", "--database-url",
                              "postgresql+asyncpg://no_such_role:pw@127.0.0.1:5432/postgres")
    assert "the database server at 127.0.0.1:5432 refused user 'no_such_role'" in output
    assert "pw@" not in output
