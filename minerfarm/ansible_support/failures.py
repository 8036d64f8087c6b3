"""Ansible's failed task and message, in words a farm operator understands.

``explain(task, message)`` reads what the sentry's runner reports for a failed playbook (the
task's name and Ansible's message: ``<urlopen error [Errno -2] Name or service not known>``)
and answers a short label for the index row and a sentence for the rig's page, e.g. "The rig
could not download https://… (no DNS: the host name does not resolve from the rig)."

One table of patterns, first match wins; a message none matches is told as the task's name
and the first line of the message. Shared by the commander (rig health) and the sentry (its
WARNING log line), so it lives beside the other Ansible helpers both use. The patterns are
tested on real ansible-runner failures (``tests/health/ansible_failures.json``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LABEL_MAX = 80
SENTENCE_MAX = 600


@dataclass(frozen=True)
class FailureWords:
    cause: str  # a stable name of the cause: "dns", "refused", "http_404", ... "other"
    label: str  # short: the index row
    sentence: str  # what happened and what to do: the rig's page, the sentry's log


@dataclass(frozen=True)
class _Pattern:
    cause: str
    match: re.Pattern[str]
    download: str  # the words when the task downloaded something (we know a URL)
    otherwise: str  # the words for any other task
    advice: str = ""


def _p(cause: str, pattern: str, download: str, otherwise: str, advice: str = "") -> _Pattern:
    return _Pattern(cause, re.compile(pattern, re.IGNORECASE), download, otherwise, advice)


PATTERNS: tuple[_Pattern, ...] = (
    _p("dns", r"Name or service not known|Temporary failure in name resolution|"
       r"No address associated with hostname|nodename nor servname|\[Errno -[235]\]",
       "no DNS", "a host name did not resolve (no DNS)",
       "the host name does not resolve from the rig: check the rig's DNS, or the URL"),
    _p("refused", r"Connection refused|\[Errno 111\]", "connection refused",
       "a connection was refused", "nothing answers at that address and port"),
    _p("http_404", r"HTTP Error 404|status code(?: was)? 404", "404, no such file",
       "a URL answered 404", "the file is not at that URL: fix the catalog's download URL"),
    _p("http_error", r"HTTP Error (?P<code>\d{3})", "HTTP {code}", "a URL answered HTTP {code}",
       "the server refused the download"),
    _p("checksum", r"checksum .* did not match|sha256 .* (?:mismatch|did not match)",
       "checksum mismatch", "a checksum did not match",
       "the file differs from the catalog's sha256 (changed or tampered): the miner was not "
       "installed; check the published checksum"),
    _p("no_checksum", r"has no verified sha256", "no sha256 in the catalog",
       "no sha256 in the catalog",
       "an admin must fill in the published checksum of the catalog entry"),
    _p("disk_full", r"No space left on device|\[Errno 28\]|disk quota exceeded", "disk full",
       "the rig's disk is full", "free some space on the rig"),
    _p("permission", r"Permission denied|Operation not permitted|\[Errno 1[3]?\]",
       "permission denied", "permission denied",
       "the sentry's user may not write there: check the owner of its folders"),
    _p("timeout", r"timed out|timeout|ran over \d+ s", "timed out", "it timed out",
       "the rig's network is slow or the server does not answer"),
    _p("unpack", r"Failed to find handler|could not handle archive|not a (?:tar|zip)",
       "not an archive", "the download is not an archive the rig can unpack",
       "the download URL may point at a web page instead of the release file"),
)

_URL_LINE = re.compile(r"^url: (\S+)", re.MULTILINE)
_URL = re.compile(r"https?://[^\s'\"<>]+")


def download_url(message: str) -> str | None:
    """The URL a failed download was fetching (the runner adds ``url: …``), if any."""
    found = _URL_LINE.search(message) or _URL.search(message)
    return found.group(1 if found.re is _URL_LINE else 0) if found else None


_NOISE = ("non-zero return code", "MODULE FAILURE")


def first_line(message: str) -> str:
    """The first line that says something (a shell task's message is "non-zero return code"
    and its stderr follows)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return next((line for line in lines if line not in _NOISE), lines[0] if lines else "")


def _plain_task(task: str) -> str:
    """``install_miner : Download x`` -> ``Download x`` (the role's name tells a user nothing)."""
    return task.split(" : ", 1)[1] if " : " in task else task


def explain(task: str | None, message: str | None) -> FailureWords:
    message, task = message or "", _plain_task(task or "") or "a task"
    url = download_url(message)
    downloading = url is not None and ("download" in task.lower() or "Request failed" in message
                                       or "url:" in message)
    for pattern in PATTERNS:
        found = pattern.match.search(message)
        if found is None:
            continue
        code = found.groupdict().get("code") or ""
        advice = pattern.advice
        if downloading:
            what = pattern.download.format(code=code)
            label = f"could not download ({what})"
            more = f": {advice}" if advice else ""
            sentence = f"The rig could not download {url} ({what}{more})."
        else:
            what = pattern.otherwise.format(code=code)
            label = f"{task}: {what}"
            sentence = f"{task} failed: {what}{' (' + advice + ')' if advice else ''}."
        return FailureWords(pattern.cause, _cut(label, LABEL_MAX), _cut(sentence, SENTENCE_MAX))
    detail = first_line(message) or "Ansible gave no message"
    return FailureWords("other", _cut(f"{task} failed", LABEL_MAX),
                        _cut(f"{task} failed: {detail}", SENTENCE_MAX))


def _cut(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
