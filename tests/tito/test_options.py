"""Typed grading options: numeric ranges, scheduler addresses and database URLs are checked by argparse at
parse time (exit 2, naming the option and the value), and the dataclasses reject bad values."""

import pytest

from tito.grading.bwrap import Limits
from tito.grading.options import GradeOptions, SubmissionResult
from tito.main import build_parser


def _usage_error(capsys, argv) -> str:
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(argv)
    assert stop.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value", "bound"),
    [
        ("--jobs", "0", ">= 1"),
        ("--timeout", "-5", ">= 1"),
        ("--memory", "255", ">= 256"),
        ("--max-procs", "8", ">= 16"),
    ],
)
def test_out_of_range_numbers_are_refused_at_parse_time_naming_option_and_value(capsys, option, value, bound):
    err = _usage_error(capsys, ["grade", "autograde", "16", option, value])
    assert f"argument {option}" in err and f"{value} is out of range; expected an int {bound}" in err


def test_a_non_integer_number_is_refused_at_parse_time(capsys):
    assert "'many' is not an integer" in _usage_error(capsys, ["grade", "autograde", "16", "--jobs", "many"])


def test_a_scheduler_without_port_is_refused_and_tcp_host_port_is_accepted(capsys):
    err = _usage_error(capsys, ["grade", "autograde", "16", "--scheduler", "tcp://gradehost"])
    assert "'tcp://gradehost' is not a scheduler address" in err
    args = build_parser().parse_args(["grade", "autograde", "16", "--scheduler", "tcp://gradehost:8786"])
    assert args.scheduler == "tcp://gradehost:8786"


def test_db_takes_an_sqlalchemy_url_on_every_module_command(capsys):
    url = "postgresql+psycopg://tito@db.example/course"
    for action in ("generate", "collect", "autograde", "feedback", "report"):
        extra = ["inbox"] if action == "collect" else []
        assert build_parser().parse_args(["grade", action, "16", *extra, "--db", url]).db == url
    assert "'not a url' is not an SQLAlchemy database URL" in _usage_error(
        capsys, ["grade", "report", "16", "--db", "not a url"]
    )


def test_grade_options_reject_a_non_positive_timeout_and_carry_limits_with_overlays():
    with pytest.raises(ValueError, match=r"timeout=0"):
        GradeOptions(timeout=0)
    opts = GradeOptions(limits=Limits(memory_mb=1024)).with_overlays({"compression": "/tmp/stubs"})
    assert opts.kernel_limits() == {
        "memory_mb": 1024,
        "processes": 64,
        "cpu_seconds": 1800,
        "file_mb": 512,
        "overlays": {"compression": "/tmp/stubs"},
    }


def test_submission_result_round_trips_through_a_dict_and_ignores_unknown_keys():
    result = SubmissionResult(student="ada", ok=False, message="boom", notes=["n"])
    assert SubmissionResult.from_dict({**result.as_dict(), "extra": 1}) == result
