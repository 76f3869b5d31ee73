"""Grading on a Dask distributed cluster (`--scheduler tcp://HOST:PORT`, or a LocalCluster).

The unit of work is tito.grading.worker.grade, run on a Dask worker in its own process (the way
tito/grading/autograde.py runs it on one machine). Nothing is shared but the network: the client packs, per
submission, a small course folder as bytes (tito/grading/payload.py: the submitted files, the assignment's
source and release folders, a private SQLite gradebook snapshot, the stub package sandboxed kernels import)
and the worker sends back the private gradebook and the autograded notebooks as bytes. The client alone
writes the course gradebook and files, one submission at a time.

A worker that dies mid-submission (killed, out of memory, its machine gone) loses nothing: the scheduler
runs the task again on another worker. A submission whose grading kills workers again and again (the
scheduler's `distributed.scheduler.allowed-failures`, 3 by default) comes back as KilledWorker; it is sent
once more (an innocent task can share a dying worker), and a second KilledWorker is reported as that
student's error."""

import os
import sys
import tempfile
from pathlib import Path

from tito.grading import payload
from tito.grading.options import GradeOptions, SubmissionResult

CONNECT_SECONDS = 30
KILLED = (
    "its grading killed {n} Dask worker(s) in a row (the scheduler's allowed-failures), twice; not retried. "
    "Grade it alone on one machine to see why: tito grade autograde --student {student}"
)


def run_payload(data: bytes, assignment: str, student: str, settings: dict) -> bytes:
    """On a Dask worker: unpack one submission, grade it in a child process, return the packed result."""
    import json
    import subprocess

    from tito.grading.commit import remove_tree, temp_folder

    _sweep_stale()
    tmp = temp_folder()  # named after this worker's pid: the next task on this machine sweeps it if it dies
    try:
        course = payload.unpack_course(data, tmp / "course")
        work = tmp / "work"
        work.mkdir()
        limits = {**settings["limits"], "overlays": payload.overlays(course)}
        args = [str(course), assignment, student, str(work), settings["timeout"], settings["sandbox"], limits]
        (tmp / "args.json").write_text(json.dumps(args), encoding="utf-8")
        try:
            done = subprocess.run(
                [sys.executable, "-m", "tito.grading.cluster", str(tmp / "args.json")],
                preexec_fn=_die_with_parent,
                timeout=settings["max_seconds"],
                check=False,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            limit = settings["max_seconds"]
            message = f"grading took longer than {limit:g} s; its grading process was stopped"
            return payload.pack_result(work, assignment, student, _failed(student, message))
        return payload.pack_result(work, assignment, student, None, done.returncode)
    finally:
        remove_tree(tmp)


def _failed(student: str, message: str) -> dict:
    return SubmissionResult(student=student, ok=False, message=message).as_dict()


def _sweep_stale() -> None:
    """Remove the grading folders of this machine's killed workers (their owning process is gone)."""
    from tito.grading.commit import LEFTOVER, _alive, remove_tree

    for folder in Path(tempfile.gettempdir()).glob("tito-grade-*"):
        match = LEFTOVER.match(folder.name)
        if match and folder.is_dir() and not _alive(int(match.group(1))):
            remove_tree(folder)


def _die_with_parent() -> None:
    """In the grading child, before exec: SIGKILL it when the Dask worker that started it dies."""
    import ctypes
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _child(args_file: str) -> None:
    """The grading process on a worker: tito.grading.worker.grade, its result written next to the private
    gradebook."""
    import json
    import warnings

    from tito.grading import nbgrader_api as grading
    from tito.grading import worker

    course, assignment, student, work, timeout, sandboxed, limits = json.loads(
        Path(args_file).read_text(encoding="utf-8")
    )
    os.setsid()
    grading.prepare_env(None)
    warnings.filterwarnings("ignore")
    result = worker.grade(course, assignment, student, work, timeout, sandboxed, limits)
    Path(work, payload.RESULT).write_text(json.dumps(result), encoding="utf-8")


def _settings(options: GradeOptions) -> dict:
    from dataclasses import asdict

    return {
        "timeout": options.timeout,
        "sandbox": options.sandbox,
        "limits": asdict(options.limits),
        "max_seconds": options.max_seconds,
    }


def connect(options: GradeOptions, jobs: int):
    """A dask Client: to options.scheduler (tcp://, tls://, or gateway://CLUSTER_NAME for a Dask Gateway
    cluster), or to a LocalCluster of `jobs` one-thread worker processes."""
    from distributed import Client, LocalCluster

    if options.scheduler and options.scheduler.startswith("gateway://"):  # Dask Gateway (on a JupyterHub)
        from dask_gateway import Gateway  # not a tito dependency: installed on hubs that run Gateway

        return Gateway().connect(options.scheduler.removeprefix("gateway://")).get_client()
    if options.scheduler:
        return Client(options.scheduler, timeout=CONNECT_SECONDS)
    cluster = LocalCluster(
        n_workers=max(jobs, 1), threads_per_worker=1, processes=True, dashboard_address=None
    )
    return Client(cluster)


def _threads(client) -> int:
    workers = client.scheduler_info().get("workers", {})
    return max(sum(w.get("nthreads", 1) for w in workers.values()), 1)


def _outcome(future, student: str) -> tuple:
    """(result dict, packed result bytes or None, killed workers: bool) of one finished task."""
    from distributed import KilledWorker

    try:
        return None, future.result(), False
    except KilledWorker as exc:
        failures = getattr(exc, "allowed_failures", None)
        count = failures + 1 if failures is not None else "several"
        return _failed(student, KILLED.format(n=count, student=student)), None, True
    except Exception as exc:  # noqa: BLE001 - a lost task is this student's error, never the batch's
        return _failed(student, f"the cluster could not grade it: {type(exc).__name__}: {exc}"), None, False


def grade_batch(
    client, course, assignment: str, students: list, options: GradeOptions, commit, on_done, results
):
    """Grade students on the cluster, at most one task per worker thread in flight. commit(course, assignment,
    student, tmp, result) applies one finished submission to the course, in this process. Returns `results`,
    appended to in order of completion. KeyboardInterrupt cancels what is in flight and propagates with
    `.pending` = (students in flight, students not sent): neither is committed."""
    from distributed import as_completed

    from tito.grading.commit import remove_tree, temp_folder

    settings, pending, cache = _settings(options), list(students), temp_folder()
    window, second_chance = _threads(client), set()  # one task per worker thread: none waits on a worker
    flight = as_completed()
    owners = {}

    def submit(student):
        template = cache / "structure.db"  # the assignment's gradebook rows, built once per batch
        data = payload.pack_course(course, assignment, student, options.db, options.overlays, template)
        fut = client.submit(
            run_payload,
            data,
            assignment,
            student,
            settings,
            pure=False,
            key=f"tito-{assignment}-{student}-{os.urandom(4).hex()}",
        )
        owners[fut.key] = student
        flight.add(fut)

    try:
        while pending and len(owners) < window:
            _submit_or_fail(submit, pending.pop(0), results, on_done)
        for fut in flight:
            student = owners.pop(fut.key)
            failed, data, killed = _outcome(fut, student)
            if killed and student not in second_chance:  # it may only have shared a worker with a killer
                second_chance.add(student)
                _submit_or_fail(submit, student, results, on_done)
                continue
            results.append(_apply(course, assignment, student, failed, data, commit))
            on_done(results[-1])
            while pending and len(owners) < window:
                _submit_or_fail(submit, pending.pop(0), results, on_done)
    except KeyboardInterrupt as stop:
        for fut in list(flight.futures):
            fut.cancel()
        stop.pending = list(owners.values()), pending
        raise
    finally:
        remove_tree(cache)
    return results


def _submit_or_fail(submit, student: str, results: list, on_done) -> None:
    try:
        submit(student)
    except Exception as exc:  # noqa: BLE001 - e.g. the submission folder vanished: this student only
        results.append(_failed(student, f"could not send it to the cluster: {type(exc).__name__}: {exc}"))
        on_done(results[-1])


def _apply(course: Path, assignment: str, student: str, failed, data, commit) -> dict:
    from tito.grading.commit import remove_tree, temp_folder

    tmp = temp_folder()  # a killed tito's folder is removed by the next run (commit.clean_leftovers)
    try:
        result = failed if data is None else payload.unpack_result(data, tmp, assignment, student)
        return commit(course, assignment, student, tmp, result)
    finally:
        remove_tree(tmp)


def autograde_cluster(
    course: Path, assignment: str, students: list, jobs: int, on_done, options: GradeOptions
):
    """tito/grading/autograde.py's autograde_many on a Dask cluster (options.scheduler, or a LocalCluster of
    `jobs` workers): same results, same commit, same Ctrl-C behaviour (nothing in flight is committed)."""
    from functools import partial

    from tito.grading.autograde import INTERRUPTED, NOT_STARTED, _DeferInterrupt
    from tito.grading.commit import _commit

    course = Path(course).resolve()
    client = connect(options, jobs)
    with _DeferInterrupt() as guard:

        def done(result):
            on_done(result)
            guard.check()

        results = []
        try:
            return grade_batch(
                client, course, assignment, students, options, partial(guard.commit, _commit), done, results
            )
        except KeyboardInterrupt as stop:
            running, waiting = getattr(stop, "pending", ([], students))
            stopped = [(s, INTERRUPTED) for s in running] + [(s, NOT_STARTED) for s in waiting]
            return results + [
                {"student": s, "ok": False, "interrupted": True, "message": m, "notes": []}
                for s, m in stopped
            ]
        finally:
            cluster = client.cluster
            client.close()
            if cluster is not None and not options.scheduler:
                cluster.close()


if __name__ == "__main__":
    _child(sys.argv[1])
