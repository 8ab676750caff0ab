"""`make ui` serves the asset graph: start the real dagster dev on loopback, ask it, stop it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
QUERY = "{ assetNodes { assetKey { path } groupName hasAssetChecks } }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listen_addresses(port: int) -> set[str]:
    """IPv4/IPv6 addresses with a LISTEN socket on `port`, from /proc/net/tcp{,6}."""
    found = set()
    for name in ("tcp", "tcp6"):
        path = Path("/proc/net") / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, hexport = local.split(":")
            if state == "0A" and int(hexport, 16) == port:
                found.add(addr)
    return found


def _group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes whose process group is `pgid`, from /proc/<pid>/stat."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


def _reset_signals() -> None:
    # a parent that ignores SIGINT/SIGTERM (CI runners, background jobs) must not pass that on
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGINT, 20), (signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            break
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    # children of dagster dev (webserver, daemon, code server) go with the group
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def test_ui_serves_the_asset_graph_on_loopback(opsdw_home, dbt_manifest) -> None:
    port = _free_port()
    log = open(opsdw_home / "ui.log", "w")  # noqa: SIM115 - closed in finally, after the server
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "opsdw"), "ui", "--port", str(port)],
        cwd=REPO,
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_reset_signals,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(
                        "UI did not come up:\n" + (opsdw_home / "ui.log").read_text()[-3000:]
                    )
                time.sleep(1)
        # bound to loopback only
        # 0100007F is 127.0.0.1 in /proc/net/tcp's little-endian hex; nothing else may listen
        assert _listen_addresses(port) == {"0100007F"}, _listen_addresses(port)
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/graphql",
            data=json.dumps({"query": QUERY}).encode(),
            headers={"Content-Type": "application/json"},
        )
        for _ in range(60):  # the code location loads after the webserver answers
            nodes = json.loads(urllib.request.urlopen(req, timeout=30).read())["data"]["assetNodes"]
            if nodes:
                break
            time.sleep(1)
        groups = {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}
        assert groups["raw/api_requests"] == "raw"
        assert groups["stg_api_requests__requests"] == "staging"
        assert groups["int_host_resources"] == "intermediate"
        assert groups["system_health"] == "marts"
        assert all(n["hasAssetChecks"] for n in nodes if n["groupName"] in ("raw", "marts"))
    finally:
        _stop(proc)
        log.close()
    for _ in range(20):  # processes of the group may take a moment to exit
        leftovers = _group_members(proc.pid)
        if not leftovers:
            break
        time.sleep(0.5)
    assert not leftovers, f"processes left behind: {leftovers}"
