"""API keys: hashed, shown once, scoped (read-only vs admin), revocable."""

from __future__ import annotations

from tests.conftest import Api
from tests.integration.test_call_flow import make_site


def test_a_read_only_key_reads_but_cannot_change_anything(api: Api) -> None:
    site_id = make_site(api)
    made = api.client.post("/v1/keys", headers=api.admin, json={"scope": "read"})
    assert made.status_code == 201
    read = {"Authorization": f"Bearer {made.json()['key']}"}
    assert api.client.get(f"/v1/sites/{site_id}", headers=read).status_code == 200
    refused = api.client.post(
        "/v1/sites", headers=read, json={"name": "x", "forward_to": "+15550100199"}
    )
    assert (refused.status_code, refused.json()) == (403, {"error": "this API key is read-only"})
    assert api.client.post("/v1/keys", headers=read, json={}).status_code == 403


def test_keys_are_listed_by_prefix_only_and_stored_hashed(api: Api) -> None:
    made = api.client.post("/v1/keys", headers=api.admin, json={"scope": "admin"}).json()
    listed = api.client.get("/v1/keys", headers=api.admin).json()["keys"]
    assert [k["scope"] for k in listed] == ["admin", "admin"]
    assert made["key"] not in str(listed) and api.api_key not in str(listed)
    assert made["prefix"] in [k["prefix"] for k in listed]
    with api.storage.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT key_hash FROM api_keys").scalars().all()
    assert made["key"] not in stored and all(len(h) == 64 for h in stored)


def test_a_revoked_key_stops_working_at_once(api: Api) -> None:
    made = api.client.post("/v1/keys", headers=api.admin, json={"scope": "admin"}).json()
    other = {"Authorization": f"Bearer {made['key']}"}
    keys = api.client.get("/v1/keys", headers=api.admin).json()["keys"]
    first_id = keys[0]["key_id"]
    assert api.client.delete(f"/v1/keys/{first_id}", headers=other).status_code == 204
    assert api.client.get("/v1/sites", headers=api.admin).status_code == 401
    assert api.client.get("/v1/sites", headers=other).status_code == 200


def test_the_last_admin_key_cannot_be_revoked_nor_another_accounts(api: Api) -> None:
    (only,) = api.client.get("/v1/keys", headers=api.admin).json()["keys"]
    refused = api.client.delete(f"/v1/keys/{only['key_id']}", headers=api.admin)
    assert refused.status_code == 409
    assert api.client.delete("/v1/keys/999", headers=api.admin).status_code == 404
