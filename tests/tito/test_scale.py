"""Grading that outgrows one machine: a real PostgreSQL gradebook (--db) and a real Dask scheduler with two
workers (--scheduler), one worker SIGKILLed mid-submission, give exactly the gradebook of a one-machine
SQLite run of the same batch. PostgreSQL runs as an unprivileged user in a temp folder (fixture below)."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

PG_INSTALL = "apt-get install -y postgresql"
SERVER_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None)
    if found is None:
        pytest.fail(f"PostgreSQL is not installed ({name} not found): run `{PG_INSTALL}` as root")
    return str(found)


def _as_server_user(cmd: list, folder: Path) -> list:
    """As root, PostgreSQL refuses to run: run it as `nobody`, owner of the temp folder."""
    if os.geteuid() != 0:
        return cmd
    import pwd

    nobody = pwd.getpwnam("nobody")
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    sbin = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])  # runuser is root's tool
    runuser = shutil.which("runuser", path=sbin)
    if runuser is None:
        pytest.fail("runuser (util-linux) is not installed: it runs the test's PostgreSQL as `nobody`")
    return [runuser, "-u", "nobody", "--", *cmd]


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server of its own (initdb + pg_ctl in a temp folder, 127.0.0.1 on a free port), stopped
    afterwards; yields database(name) -> the SQLAlchemy URL of a new, empty database on it."""
    import psycopg

    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    folder = Path(tempfile.mkdtemp(prefix="tito-pg-"))
    data, port = folder / "data", _free_port()
    run = {"capture_output": True, "text": True, "timeout": SERVER_SECONDS, "cwd": folder}
    init = [initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]
    subprocess.run(_as_server_user(init, folder), check=True, **run)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = [pg_ctl, "-D", data, "-l", folder / "server.log", "-w", "-t", "30", "-o", options, "start"]
    subprocess.run(_as_server_user(start, folder), check=True, **run)

    def database(name: str) -> str:
        dsn = f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}"

    try:
        yield database
    finally:
        stop = [pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"]
        subprocess.run(_as_server_user(stop, folder), check=False, **run)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def dask_cluster(repo: Path, workers: int, log: Path, allowed_failures: int = 3):
    """`dask scheduler` and `workers` x `dask worker --nthreads 1` (each under its nanny) on 127.0.0.1; every
    process group is SIGKILLed on the way out, whatever happened."""
    from distributed import Client

    port, dask = _free_port(), str(Path(sys.executable).parent / "dask")
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=str(repo))
    env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = str(allowed_failures)
    procs, client = [], None
    with open(log, "w") as out:
        spawn = {
            "env": env,
            "stdout": out,
            "stderr": subprocess.STDOUT,
            "start_new_session": True,
            "cwd": repo,
        }
        try:
            cmd = [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]
            procs.append(subprocess.Popen(cmd, **spawn))
            for index in range(workers):
                cmd = [dask, "worker", address, "--nthreads", "1", "--no-dashboard", "--name", f"w{index}"]
                procs.append(subprocess.Popen([*cmd, "--host", "127.0.0.1"], **spawn))
            client = Client(address, timeout=SERVER_SECONDS)
            client.wait_for_workers(workers, timeout=SERVER_SECONDS)
            yield address, client
        finally:
            if client is not None:
                client.close()
            for proc in reversed(procs):
                with_group = proc.pid
                try:
                    os.killpg(with_group, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=SERVER_SECONDS)


def kill_a_busy_worker(client, seconds_in: float = 1.5) -> str:
    """SIGKILL the process of a worker that has been running a task for seconds_in; returns the task's key."""
    deadline = time.monotonic() + SERVER_SECONDS
    while time.monotonic() < deadline:
        busy = {w: keys for w, keys in client.processing().items() if keys}
        if busy:
            address, keys = next(iter(busy.items()))
            time.sleep(seconds_in)
            if keys[0] in client.processing().get(address, ()):
                pid = client.run(os.getpid, workers=[address])[address]
                os.kill(pid, signal.SIGKILL)
                return keys[0]
        time.sleep(0.1)
    raise AssertionError("no worker started a task within the time limit")


def gradebook_rows(url: str, assignment: str) -> dict:
    """Every student's grades (auto, manual, needs_manual_grade, max), comments and late penalty."""
    from nbgrader.api import Gradebook

    with Gradebook(url, course_id="tinytorch") as gb:
        return {
            (sub.student.id, nb.name): (
                sorted(
                    (g.name, g.auto_score, g.manual_score, g.needs_manual_grade, g.max_score)
                    for g in nb.grades
                ),
                sorted((c.name, c.auto_comment, c.manual_comment) for c in nb.comments),
                nb.late_submission_penalty,
            )
            for sub in gb.find_assignment(assignment).submissions
            for nb in sub.notebooks
        }


@pytest.mark.scale
def test_postgres_and_two_dask_workers_with_one_killed_grade_exactly_as_one_machine(
    course_repo, batch, graded_course, postgres, tmp_path, h
):
    """The one-machine run is the shared batch's (conftest): graded_course holds its reference and blank
    submissions, autograded with 2 local jobs into SQLite; the same two notebooks are graded here."""
    postgres_url = postgres("batch")
    many = h.copy_repo(course_repo, tmp_path / "many")
    inbox, students = tmp_path / "inbox", ["blank", "reference"]
    inbox.mkdir()
    for name in students:  # two submissions: both workers busy
        nbformat.write(batch["students"][name], inbox / f"{name}.ipynb")
    db = ["--db", postgres_url]
    assert h.tito(["grade", "generate", "16", *db], many).returncode == 0
    collected = h.tito(["grade", "collect", "16", inbox, *db], many)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    with dask_cluster(many, 2, tmp_path / "dask.log") as (address, client):
        env = dict(os.environ, PYTHONPATH=str(many))
        cmd = [
            sys.executable,
            "-m",
            "tito",
            "grade",
            "autograde",
            "16",
            *db,
            "--scheduler",
            address,
            "--timeout",
            "30",
        ]
        grader = subprocess.Popen(
            cmd, cwd=many, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            killed = kill_a_busy_worker(client)
            output, _ = grader.communicate(timeout=240)
        finally:
            grader.kill()
            grader.wait()
    assert "autograded 2/2 submissions" in output, output
    assert killed.split("-")[2] in students
    key = "16_compression"
    assert gradebook_rows(postgres_url, key) == gradebook_rows(f"sqlite:///{graded_course}/gradebook.db", key)
    assert len(gradebook_rows(postgres_url, key)) == len(students)
    scores = h.tito(["grade", "report", "16", *db], many)
    assert scores.returncode == 0, scores.stdout + scores.stderr


KILLER = """import os, signal
def _parent(pid):
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
os.kill(_parent(os.getppid()), signal.SIGKILL)  # kernel -> grading process -> the Dask worker
"""


@pytest.mark.scale
def test_a_submission_that_kills_its_dask_worker_every_time_is_reported_not_retried_forever(
    course_repo, notebooks, postgres, tmp_path, h
):
    """allowed-failures 0: each try of the killer costs one worker (its nanny starts a new one); after its
    second chance it is reported with voided scores, and the reference submission is graded in full. Then the
    reference again on a LocalCluster (--db, no --scheduler): the same rows."""
    repo, url = h.copy_repo(course_repo, tmp_path / "repo"), postgres("killer")
    source, release = notebooks["source"], notebooks["release"]
    answers = [
        c.metadata["nbgrader"]["grade_id"]
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    ]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    reference = h.small(release, fill={gid: h.solution_source(source, gid) for gid in answers})
    nbformat.write(reference, inbox / "reference.ipynb")
    killer = h.small(release)
    killer.cells.insert(0, nbformat.v4.new_code_cell(KILLER))  # first: no set-up is run before each kill
    nbformat.write(killer, inbox / "killer.ipynb")
    assert h.tito(["grade", "generate", "16", "--db", url], repo).returncode == 0
    assert h.tito(["grade", "collect", "16", inbox], repo).returncode == 0
    with dask_cluster(repo, 2, tmp_path / "dask.log", allowed_failures=0) as (address, _client):
        cmd = [
            "grade",
            "autograde",
            "16",
            "--db",
            url,
            "--scheduler",
            address,
            "--no-sandbox",
            "--timeout",
            "10",
        ]
        result = h.tito(cmd, repo, timeout=240)
    assert result.returncode == 1 and "autograded 1/2 submissions" in result.stdout, (
        result.stdout + result.stderr
    )
    assert "killed 1 Dask worker(s) in a row (the scheduler's allowed-failures), twice" in result.stdout
    rows = gradebook_rows(url, "16_compression")
    killer = rows[("killer", "compression")][0]
    assert {auto for _, auto, _, _, _ in killer} == {0.0} and all(flag for _, _, _, flag, _ in killer)
    expected = {gid: pts for gid, (pts, kind) in h.graded_cells(source).items() if kind == "auto"}
    graded = {name: auto for name, auto, _, _, _ in rows[("reference", "compression")][0] if name in expected}
    assert graded == expected
    again = ["grade", "autograde", "16", "--db", url, "--student", "reference"]
    again += ["--no-sandbox", "--timeout", "10"]
    local = h.tito(again, repo, timeout=240)  # --db without --scheduler: the same code on a LocalCluster
    done = re.search(r"autograded 1/1 submissions in [\d.]+ s with 1 job\(s\)", local.stdout)
    assert local.returncode == 0 and done, local.stdout + local.stderr
    assert gradebook_rows(url, "16_compression") == rows
