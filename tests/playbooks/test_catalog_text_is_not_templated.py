"""A catalog entry's download URL reaches Ansible on the rig as plain text: Jinja in it is
never evaluated (real Ansible, through the sentry's applier)."""

from __future__ import annotations

from pathlib import Path

from tests.playbooks.test_applier import INSTALL, _applier, _apply


async def test_jinja_in_a_download_url_does_not_run_on_the_rig(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    applier, _ = _applier(tmp_path)
    url = f"http://127.0.0.1:9/x-{{{{ lookup('pipe', 'touch {marker}') }}}}.tar.gz"
    software = {"name": "xmrig", "version": "6.22.1", "sha256": "a" * 64, "api_kind": "xmrig",
                "api_port": 44501, "download_url": url}
    runs = await _apply(applier, {"revision": "1", "playbooks": [
        {"id": 1, "name": "x", "yaml": INSTALL, "vars": {"worker": "{{ 7 * 6 }}"},
         "software": software}]})
    assert not marker.exists(), "the URL's Jinja ran on the rig"
    assert runs[0]["status"] == "failed"  # nothing listens on port 9: the download fails
    assert runs[0]["failed_task"].startswith("install_miner : Download")
