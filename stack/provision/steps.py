"""The provisioning steps, one per server, and the runner that shows their progress."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from stack.provision.api import ApiError, HttpApi
from stack.provision.resources import graylog_content_pack, kibana_ndjson


@dataclass(frozen=True, slots=True)
class Step:
    """A named, idempotent piece of setup; ``run`` returns what it did, for the operator."""

    name: str
    run: Callable[[], str]


def elasticsearch_step(
    api: HttpApi, kibana_password: str | None, wait_s: float, replicas: int | None = None
) -> Step:
    """Kibana's service password, and the index template; with *replicas*, that many
    replicas of each hopscope index, the ones there already included (0 on one node, whose
    indices would otherwise wait, yellow, for a second node)."""

    def run() -> str:
        from sdk.schema.index_template import (
            FLAT_TYPES,
            INDEX_PATTERN,
            TEMPLATE_NAME,
            index_template,
        )

        api.wait_ready("/_cluster/health?wait_for_status=yellow&timeout=5s", wait_s)
        done = []
        if kibana_password:
            api.request(
                "POST",
                "/_security/user/kibana_system/_password",
                json={"password": kibana_password},
            )
            done.append("kibana_system password set")
        # labels.* and the headers as one flat field each, of the server's own flat type, so
        # that no count of label keys can reach the field limit (the collector of the stack
        # writes with template=false, so this template is the one in force)
        root = api.request("GET", "/").json()
        version = root.get("version") if isinstance(root, dict) else None
        kind = (
            "opensearch"
            if isinstance(version, dict) and version.get("distribution") == "opensearch"
            else "elasticsearch"
        )
        template = index_template(replicas=replicas, families=FLAT_TYPES[kind])
        api.request("PUT", f"/_index_template/{TEMPLATE_NAME}", json=template)
        done.append(f"index template {TEMPLATE_NAME} installed")
        if replicas is not None:
            api.request(
                "PUT",
                f"/{INDEX_PATTERN}/_settings",
                params={"allow_no_indices": "true"},
                json={"index": {"number_of_replicas": replicas}},
            )
            done.append(f"{replicas} replicas of each {INDEX_PATTERN} index")
        return ", ".join(done)

    return Step("Elasticsearch", run)


def kibana_step(api: HttpApi, wait_s: float) -> Step:
    def run() -> str:
        api.wait_ready("/api/status", wait_s)
        response = api.request(
            "POST",
            "/api/saved_objects/_import",
            params={"overwrite": "true"},
            files={"file": ("hopscope.ndjson", kibana_ndjson(), "application/ndjson")},
        )
        answer = response.json()
        if not answer.get("success"):
            raise ApiError(f"Kibana did not import every object: {answer.get('errors')}")
        return f"{answer.get('successCount', 0)} saved objects imported (data view, searches)"

    return Step("Kibana", run)


def graylog_step(api: HttpApi, wait_s: float) -> Step:
    def run() -> str:
        api.wait_ready("/api/system/lbstatus", wait_s)
        pack = graylog_content_pack()
        pack_id, rev = pack["id"], pack["rev"]
        listed = api.request("GET", f"/api/system/content_packs/{pack_id}", ok=(200, 404))
        if listed.status_code == 404:
            api.request("POST", "/api/system/content_packs", json=pack)
        installs = api.request("GET", f"/api/system/content_packs/{pack_id}/installations")
        if installs.json().get("installations"):
            return f"content pack {pack['name']} already installed"
        api.request(
            "POST",
            f"/api/system/content_packs/{pack_id}/{rev}/installations",
            json={"parameters": {}, "comment": "installed by hopscope provision"},
        )
        return f"content pack {pack['name']} installed (GELF HTTP input on port 12201)"

    return Step("Graylog", run)


def run_steps(steps: Sequence[Step], say: Callable[[str], None]) -> int:
    """Run every step even when one fails, so one run reports every problem; 1 if any did."""
    failed = 0
    for step in steps:
        say(f"{step.name}: provisioning")
        try:
            say(f"{step.name}: {step.run()}")
        except ApiError as exc:
            failed += 1
            say(f"{step.name}: FAILED: {exc}")
    return 1 if failed else 0
