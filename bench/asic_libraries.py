"""The library question, measured: minerfarm's ASIC drivers against pyasic and pyasic-rs on
every captured firmware the simulator serves (RPC on 4028, web APIs on their ports).

For each library and each simulated ASIC (one per simulator profile, exact captured values):
what it identified the device as, how many of the fields minerfarm reports it read (model,
firmware, MAC, hashrate, expected hashrate, per-board hashrate, a temperature, fans, power,
pool, uptime), how long identification and one reading took; per library the peak RSS of its
process (``VmHWM``) after reading every ASIC once, and after only importing it.

Each library runs in its own child process, so their memory does not mix. pyasic and pyasic-rs
are not minerfarm dependencies: install them in a separate virtual environment and name its
interpreter (the child imports only the library, never minerfarm):

    python -m venv /tmp/libs && /tmp/libs/bin/pip install pyasic pyasic-rs
    python bench/asic_libraries.py --lib-python /tmp/libs/bin/python [--profiles a,b] [--json]

Both libraries hard-code their ports (RPC 4028, web 80/443): the simulator serves the default
ports on its own loopback addresses (binding port 80 needs root or CAP_NET_BIND_SERVICE).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIELDS = ("model", "firmware", "mac", "hashrate", "expected", "boards", "temp", "fans", "power",
          "pool", "uptime")
LIBRARIES = ("minerfarm", "pyasic", "pyasic-rs")
PER_ASIC_S = 20.0


def _rss_mb() -> float:
    """This process's peak RSS. ``VmHWM`` of this process image: ``getrusage``'s ``ru_maxrss``
    is kept across fork and exec, so a child would report at least its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _present(value: Any) -> bool:
    return value not in (None, "", [], {}, 0, 0.0) and value is not False


# --- what each library read, as the same 11 fields ------------------------------------------


async def _minerfarm(ip: str) -> tuple[str, dict[str, bool]]:
    from minerfarm.asic import drivers

    endpoint = drivers.Endpoint(ip, timeout=5.0)
    try:
        backend = await drivers.identify(endpoint)
        _minerfarm.ident = backend.name  # type: ignore[attr-defined]
        start = time.perf_counter()
        asic = await drivers.read(endpoint, backend)
        _minerfarm.read_s = time.perf_counter() - start  # type: ignore[attr-defined]
    finally:
        await endpoint.session.aclose()
    temps = [t for b in asic.boards for t in (b.temp_c, b.chip_temp_c) if t is not None]
    return (f"{backend.name}: {asic.make or '?'} {asic.model or '?'}", {
        "model": asic.model is not None, "firmware": asic.firmware_version is not None,
        "mac": asic.mac is not None, "hashrate": asic.hashrate_hs is not None,
        "expected": asic.expected_hashrate_hs is not None,
        "boards": any(b.hashrate_hs is not None for b in asic.boards), "temp": bool(temps),
        "fans": bool(asic.fans_rpm), "power": asic.power_w is not None,
        "pool": asic.pool is not None, "uptime": asic.uptime_s is not None})


async def _pyasic(ip: str) -> tuple[str, dict[str, bool]]:
    import pyasic

    miner = await pyasic.get_miner(ip)
    if miner is None:
        raise LookupError("not identified")
    model = getattr(miner, "raw_model", None) or getattr(miner, "model", "?")
    name = f"{type(miner).__name__}: {getattr(miner, 'make', '?')} {model}"
    _pyasic.ident = name  # type: ignore[attr-defined]
    start = time.perf_counter()
    data = (await miner.get_data()).as_dict()
    _pyasic.read_s = time.perf_counter() - start  # type: ignore[attr-defined]
    boards = data.get("hashboards") or []
    temps = [b.get(k) for b in boards for k in ("temp", "chip_temp")]
    fans = [f.get("speed") for f in data.get("fans") or []]
    pools = data.get("pools") or []
    return name, {
        "model": _present(data.get("model")) and data.get("model") != "Unknown",
        "firmware": _present(data.get("fw_ver")), "mac": _present(data.get("mac")),
        "hashrate": _present(data.get("hashrate")),
        "expected": _present(data.get("expected_hashrate")),
        "boards": any(_present(b.get("hashrate")) for b in boards),
        "temp": any(_present(t) for t in temps), "fans": any(f is not None for f in fans),
        "power": _present(data.get("wattage")),
        "pool": any(_present(p.get("url")) for p in pools), "uptime": _present(data.get("uptime"))}


async def _pyasic_rs(ip: str) -> tuple[str, dict[str, bool]]:
    import pyasic_rs

    miner = await pyasic_rs.MinerFactory().get_miner(ip)
    if miner is None:
        raise LookupError("not identified")
    name = f"{miner.firmware}: {miner.make} {miner.model}"
    _pyasic_rs.ident = name  # type: ignore[attr-defined]
    start = time.perf_counter()
    data = await miner.get_data()
    _pyasic_rs.read_s = time.perf_counter() - start  # type: ignore[attr-defined]
    boards = data.hashboards
    temps = [b.board_temperature for b in boards] + [
        c.temperature for b in boards for c in b.chips]
    pools = [p for group in data.pools for p in group.pools]
    return name, {
        "model": _present(getattr(data.device_info, "model", None)),
        "firmware": _present(data.firmware_version), "mac": _present(data.mac),
        "hashrate": data.hashrate is not None, "expected": data.expected_hashrate is not None,
        "boards": any(b.hashrate is not None for b in boards),
        "temp": any(_present(t) for t in temps), "fans": any(f.rpm is not None for f in data.fans),
        "power": _present(data.wattage), "pool": any(p.url is not None for p in pools),
        "uptime": data.uptime is not None}


READERS: dict[str, Callable[[str], Awaitable[tuple[str, dict[str, bool]]]]] = {
    "minerfarm": _minerfarm, "pyasic": _pyasic, "pyasic-rs": _pyasic_rs}
MODULES = {"minerfarm": "minerfarm.asic.drivers", "pyasic": "pyasic", "pyasic-rs": "pyasic_rs"}
DISTRIBUTIONS = {"minerfarm": "minerfarm", "pyasic": "pyasic", "pyasic-rs": "pyasic-rs"}


async def _child(library: str, hosts: list[str]) -> dict[str, Any]:
    from importlib import import_module
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    if library == "minerfarm":
        sys.path.insert(0, str(ROOT))
    try:
        import_module(MODULES[library])  # imported before measuring, for every library
    except ImportError as exc:
        return {"library": library, "error": f"not installed: {exc}"}
    try:
        version: str | None = dist_version(DISTRIBUTIONS[library])
    except PackageNotFoundError:
        version = None
    import_rss = _rss_mb()
    reader = READERS[library]
    results = []
    for ip in hosts:
        for attribute in ("ident", "read_s"):
            setattr(reader, attribute, None)
        start = time.perf_counter()
        try:
            async with asyncio.timeout(PER_ASIC_S):
                name, fields = await reader(ip)
            error = None
        except Exception as exc:  # a library's failure is a result here
            name = getattr(reader, "ident", None) or "not identified"
            message = str(exc).splitlines()[0] if str(exc) else ""
            fields, error = {}, f"{type(exc).__name__}: {message}"
        total = time.perf_counter() - start
        read_s = getattr(reader, "read_s", None)
        results.append({"ip": ip, "identified": name, "fields": fields, "error": error,
                        "identify_s": total - (read_s or 0.0) if read_s else total,
                        "read_s": read_s})
    return {"library": library, "version": version, "import_rss_mb": import_rss,
            "peak_rss_mb": _rss_mb(), "results": results}


# --- the parent: simulator, children, table --------------------------------------------------


def spawn_simulator(profiles: list[str]) -> tuple[subprocess.Popen[str], list[list[Any]]]:
    start = f"127.{random.randint(100, 250)}.{random.randint(1, 250)}.1"
    process = subprocess.Popen(
        [sys.executable, "-m", "minerfarm.asic.simulator", "--start", start, "--count",
         str(len(profiles)), "--profiles", ",".join(profiles), "--exact", "--list"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stdout is not None
    ready = json.loads(process.stdout.readline())
    return process, ready["asics"]


def run_library(python: str, library: str, hosts: list[str]) -> dict[str, Any]:
    result = subprocess.run(
        [python, str(Path(__file__).resolve()), "--child", library, "--hosts", ",".join(hosts)],
        capture_output=True, text=True, timeout=PER_ASIC_S * len(hosts) + 60, cwd="/")
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"library": library, "error": (result.stderr.strip().splitlines() or ["?"])[-1]}
    return dict(json.loads(lines[-1]))


def table(asics: list[list[Any]], runs: list[dict[str, Any]]) -> str:
    out = []
    header = (f"{'profile':24} {'library':10} {'fields':>6} {'ident s':>7} {'read s':>6}  "
              "identified as / error")
    out.append(header)
    out.append("-" * len(header))
    for index, (_, profile, _) in enumerate(asics):
        for run in runs:
            if "results" not in run:
                continue
            row = run["results"][index]
            got = sum(1 for f in FIELDS if row["fields"].get(f))
            read = f"{row['read_s']:.2f}" if row["read_s"] is not None else "-"
            what = row["identified"] + (f" | {row['error']}" if row["error"] else "")
            out.append(f"{profile:24} {run['library']:10} {got:>3}/{len(FIELDS)} "
                       f"{row['identify_s']:>7.2f} {read:>6}  {what[:110]}")
        out.append("")
    out.append(f"{'library':10} {'version':>8} {'import RSS':>10} {'peak RSS':>9} "
               f"{'identified':>10} {'all fields':>10} {'fields read':>11}")
    for run in runs:
        if "results" not in run:
            out.append(f"{run['library']:10} {run.get('error')}")
            continue
        rows = run["results"]
        identified = sum(1 for r in rows if r["identified"] != "not identified")
        complete = sum(1 for r in rows if all(r["fields"].get(f) for f in FIELDS))
        fields = sum(1 for r in rows for f in FIELDS if r["fields"].get(f))
        out.append(f"{run['library']:10} {run['version'] or '-'!s:>8} "
                   f"{run['import_rss_mb']:>7.1f} MB {run['peak_rss_mb']:>6.1f} MB "
                   f"{identified:>6}/{len(rows)} {complete:>6}/{len(rows)} "
                   f"{fields:>5}/{len(rows) * len(FIELDS)}")
    return "\n".join(out)


def compare(lib_python: str, profiles: list[str] | None = None,
            libraries: tuple[str, ...] = LIBRARIES) -> tuple[str, list[dict[str, Any]]]:
    """The whole measurement: one simulator serving ``profiles`` (default: every capture),
    each library's child in turn (``lib_python`` runs the non-minerfarm ones). Returns the
    printed table and the raw results."""
    sys.path.insert(0, str(ROOT))
    from minerfarm.asic.simulator import PROFILES

    simulator, asics = spawn_simulator(profiles or list(PROFILES))
    try:
        hosts = [ip for ip, _, _ in asics]
        runs = [run_library(sys.executable if library == "minerfarm" else lib_python,
                            library, hosts) for library in libraries]
    finally:
        simulator.terminate()
        simulator.wait(10)
    return table(asics, runs), runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lib-python", default=sys.executable,
                        help="interpreter with pyasic and pyasic-rs installed")
    parser.add_argument("--profiles", help="comma-separated simulator profiles (default: all)")
    parser.add_argument("--libraries", default=",".join(LIBRARIES))
    parser.add_argument("--json", action="store_true", help="also print the raw results")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--hosts", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(_child(args.child, args.hosts.split(",")))))
        return
    printed, runs = compare(args.lib_python,
                            args.profiles.split(",") if args.profiles else None,
                            tuple(args.libraries.split(",")))
    print(printed)
    if args.json:
        print(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
