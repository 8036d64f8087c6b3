"""The admin API on rigs, and sentry tokens: 200, 401, 410, regeneration."""

from __future__ import annotations

from tests.support import CommanderProcess


def test_create_list_rename_delete(commander: CommanderProcess) -> None:
    with commander.admin() as api:
        created = api.post("/api/v1/rigs", json={"name": "rig-crud", "kind": "cpu_gpu"})
        assert created.status_code == 201
        rig = created.json()["rig"]
        assert rig["name"] == "rig-crud" and rig["online"] is False
        assert created.json()["token"].startswith("mf1.")

        names = [r["name"] for r in api.get("/api/v1/rigs").json()["rigs"]]
        assert "rig-crud" in names

        renamed = api.patch(f"/api/v1/rigs/{rig['id']}", json={"name": "rig-crud-2"})
        assert renamed.status_code == 200
        assert api.get(f"/api/v1/rigs/{rig['id']}").json()["name"] == "rig-crud-2"

        assert api.delete(f"/api/v1/rigs/{rig['id']}").status_code == 204
        assert api.get(f"/api/v1/rigs/{rig['id']}").status_code == 404
        gone = [r["name"] for r in api.get("/api/v1/rigs").json()["rigs"]]
        assert "rig-crud-2" not in gone


def test_names_are_unique(commander: CommanderProcess) -> None:
    with commander.admin() as api:
        assert api.post("/api/v1/rigs", json={"name": "twin"}).status_code == 201
        again = api.post("/api/v1/rigs", json={"name": "twin", "kind": "asic"})
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "name_taken"
        other = api.post("/api/v1/rigs", json={"name": "twin-b"}).json()["rig"]
        clash = api.patch(f"/api/v1/rigs/{other['id']}", json={"name": "twin"})
        assert clash.status_code == 409


def test_bad_rig_bodies_name_the_field(commander: CommanderProcess) -> None:
    with commander.admin() as api:
        for body, field in (({"name": ""}, "name"), ({"name": "a", "kind": "fpga"}, "kind"),
                            ({"name": "x" * 200}, "name"), ({"name": "a\nb"}, "name"),
                            ({}, "name")):
            answer = api.post("/api/v1/rigs", json=body)
            assert answer.status_code == 422, body
            assert answer.json()["error"]["message"].startswith(field), answer.json()


def test_kind_filter(commander: CommanderProcess) -> None:
    commander.create_rig("asic-sentry-filter", "asic")
    with commander.admin() as api:
        kinds = {r["kind"] for r in api.get("/api/v1/rigs", params={"kind": "asic"}).json()["rigs"]}
        assert kinds == {"asic"}


def test_token_hello_200_then_410_after_delete(commander: CommanderProcess) -> None:
    rig_id, token = commander.create_rig("hello-rig")
    with commander.sentry(token) as sentry:
        hello = sentry.get("/api/v1/sentry/hello")
        assert hello.status_code == 200
        assert hello.json() == {"rig": {"id": rig_id, "name": "hello-rig", "kind": "cpu_gpu"},
                                "last_seq": None}
        with commander.admin() as api:
            api.delete(f"/api/v1/rigs/{rig_id}")
        gone = sentry.get("/api/v1/sentry/hello")
        assert gone.status_code == 410
        assert gone.json()["error"]["code"] == "rig_removed"
        assert sentry.post("/api/v1/sentry/reports", json={"reports": []}).status_code == 410


def test_wrong_and_malformed_tokens_are_401(commander: CommanderProcess) -> None:
    _, token = commander.create_rig("token-401")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad in (forged, "nonsense", "mf1.a.b", "mf1.." + "A" * 43):
        with commander.sentry(bad) as sentry:
            answer = sentry.get("/api/v1/sentry/hello")
            assert answer.status_code == 401, bad
            assert answer.json()["error"]["code"] == "unauthorized"
    with commander.anonymous() as nobody:
        assert nobody.get("/api/v1/sentry/hello").status_code == 401


def test_regenerated_token_replaces_the_old_one(commander: CommanderProcess) -> None:
    rig_id, old = commander.create_rig("regen-rig")
    with commander.sentry(old) as sentry:  # the commander now remembers this token
        assert sentry.get("/api/v1/sentry/hello").status_code == 200
    with commander.admin() as api:
        answer = api.post(f"/api/v1/rigs/{rig_id}/token")
        assert answer.status_code == 200
        new = answer.json()["token"]
    assert new != old
    with commander.sentry(old) as sentry:
        assert sentry.get("/api/v1/sentry/hello").status_code == 401
    with commander.sentry(new) as sentry:
        assert sentry.get("/api/v1/sentry/hello").status_code == 200


def test_token_pins_this_commanders_certificate(commander: CommanderProcess) -> None:
    import hashlib
    import ssl

    from minerfarm.protocol.tokens import SentryToken

    _, token = commander.create_rig("pinned-rig")
    der = ssl.PEM_cert_to_DER_cert(commander.cert.read_text())
    assert SentryToken.parse(token).fingerprint == hashlib.sha256(der).digest()


def test_tokens_are_stored_hashed(commander: CommanderProcess) -> None:
    import sqlite3

    _, token = commander.create_rig("hashed-token-rig")
    secret = token.rsplit(".", 1)[1]
    db = sqlite3.connect(commander.data_dir / "minerfarm.db")
    dump = "\n".join(db.iterdump())
    db.close()
    assert secret not in dump


def test_a_deleted_rigs_id_is_never_given_again(commander: CommanderProcess) -> None:
    old_id, _ = commander.create_rig("id-reuse-a")
    with commander.admin() as api:
        api.delete(f"/api/v1/rigs/{old_id}")
    new_id, _ = commander.create_rig("id-reuse-b")
    assert new_id > old_id


def test_deleting_a_rig_deletes_its_reports(commander: CommanderProcess) -> None:
    import sqlite3
    import time

    from tests.support import report

    rig_id, token = commander.create_rig("delete-cascade")
    with commander.sentry(token) as sentry:
        sentry.post("/api/v1/sentry/reports", json={"reports": [report(1), report(2)]})
    db_path = commander.data_dir / "minerfarm.db"

    def stored() -> int:
        db = sqlite3.connect(db_path)
        try:
            return db.execute("SELECT COUNT(*) FROM reports WHERE rig_id = ?",
                              (rig_id,)).fetchone()[0]
        finally:
            db.close()

    deadline = time.monotonic() + 10
    while stored() < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stored() == 2
    with commander.admin() as api:
        assert api.delete(f"/api/v1/rigs/{rig_id}").status_code == 204
    assert stored() == 0
