"""``minerfarm sentry run`` without click (:mod:`minerfarm.sentry.quickrun`): a command line
the fast parser understands gives the options click gives, one it does not understand is
left to click (which answers it: help or an error), and the running sentry imports no click.
Its errors and exit statuses are those of ``tests/sentry/test_sentry_run.py`` (which runs
the sentry this way)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from sentry_run_helpers import REPO, env

from minerfarm.sentry import quickrun, runcli
from minerfarm.sentry.config import CONFIG_DIR_ENV

RUN = ("sentry", "run")

UNDERSTOOD = [
    (),
    ("--interval", "10"),
    ("--interval=2.5", "-v"),
    ("--verbose", "--max-retry-delay", "5", "--config-dir", "/etc/minerfarm/sentry"),
    ("--config-dir=relative/dir", "--interval", "0.1", "--max-retry-delay=1e3"),
    ("--interval", "3", "--interval", "4"),  # repeated: the last one
    ("-v", "-v"),
]

LEFT_TO_CLICK = [
    ("--help",),
    ("-h",),
    ("--interval",),  # no value
    ("--interval", "0.05"),  # under the minimum
    ("--interval", "ten"),
    ("--interval=",),
    ("--max-retry-delay", "-1"),
    ("--intervall", "10"),  # misspelt
    ("--verbose=yes",),
    ("extra",),
    ("--", "--interval", "10"),
]


def click_params(args: tuple[str, ...]) -> dict[str, object]:
    with runcli.run.make_context("run", list(args)) as ctx:
        return dict(ctx.params)


@pytest.mark.parametrize("args", UNDERSTOOD)
def test_a_plain_command_line_gives_the_options_click_gives(
        args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONFIG_DIR_ENV, raising=False)
    parsed = quickrun.parse([*RUN, *args])
    assert parsed is not None
    assert dataclasses.asdict(parsed) == click_params(args)


@pytest.mark.parametrize("args", LEFT_TO_CLICK)
def test_anything_else_is_left_to_click_which_answers_it(args: tuple[str, ...]) -> None:
    assert quickrun.parse([*RUN, *args]) is None
    with pytest.raises((click.exceptions.Exit, click.UsageError)):
        click_params(args)


def test_what_click_runs_but_the_fast_parser_does_not_know_runs_through_click() -> None:
    assert quickrun.parse([*RUN, "-vv"]) is None
    assert click_params(("-vv",))["verbose"] is True


def test_a_file_as_config_dir_is_left_to_click_given_or_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a_file = tmp_path / "sentry.json"
    a_file.write_text("{}")
    monkeypatch.delenv(CONFIG_DIR_ENV, raising=False)
    assert quickrun.parse([*RUN, "--config-dir", str(a_file)]) is None
    monkeypatch.setenv(CONFIG_DIR_ENV, str(a_file))
    assert quickrun.parse(list(RUN)) is None
    with pytest.raises(click.BadParameter, match="is a file"):
        click_params(())
    monkeypatch.setenv(CONFIG_DIR_ENV, str(tmp_path))  # a folder: the sentry resolves it
    assert quickrun.parse(list(RUN)) == quickrun.RunArgs()


def test_other_commands_go_to_click() -> None:
    for argv in ([], ["--help"], ["sentry"], ["sentry", "status"], ["commander", "run"],
                 ["--version", "sentry", "run"]):
        assert quickrun.parse(argv) is None


CLICK_FREE = """
import json, sys
from minerfarm import entry
from minerfarm.sentry import quickrun

def run(args):  # instead of running: what the program would have run, and what it loaded
    import minerfarm.sentry.service
    print(json.dumps({"args": repr(args), "click": "click" in sys.modules}))

quickrun.run = run
sys.argv = ["minerfarm", *sys.argv[1:]]
entry.main()
"""


def test_the_program_runs_the_sentry_without_importing_click(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", CLICK_FREE, *RUN, "--interval", "7",
                           "--config-dir", str(tmp_path)], capture_output=True, text=True,
                          env=env(), cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    ran = json.loads(done.stdout)
    assert ran["click"] is False
    assert ran["args"] == repr(quickrun.RunArgs(interval_s=7.0, config_dir=tmp_path))


def test_errors_read_as_click_says_them(tmp_path: Path) -> None:
    """Not enrolled: the same message and exit status through both paths."""
    def run(*program: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *program, *RUN, "--config-dir", str(tmp_path)],
                              capture_output=True, text=True, timeout=60, cwd=REPO,
                              env={**env(), "NO_COLOR": "1"})

    quick = run("-m", "minerfarm")
    through_click = run("-c", "import sys; sys.argv[0] = 'minerfarm'; "
                              "from minerfarm.cli import main; main()")
    assert quick.returncode == through_click.returncode == 1
    assert "not enrolled" in quick.stderr
    last = [done.stderr.strip().splitlines()[-1] for done in (quick, through_click)]
    assert last[0] == last[1] and last[0].startswith("Error: ")
