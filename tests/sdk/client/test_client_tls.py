"""TLS for the clients, with real handshakes: a CA and certificates made for the test
(trustme), uvicorn serving HTTPS on loopback, and the ``SERVICE_<NAME>_CA_BUNDLE`` /
``_CLIENT_CERT`` settings deciding whether the call gets through. A failed handshake is a
client hop with the error, not a crash."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme
from hopscope_testing import sdk_service

import sdk

Record = dict[str, Any]


inprocess = sdk_service("inprocess")
peers = sdk_service("peers")


class Vault(sdk.BaseClient):
    service = "vault"


class SyncVault(sdk.SyncBaseClient):
    service = "vault"


@dataclass
class Pki:
    ca: trustme.CA
    ca_file: Path
    directory: Path

    def server_pem(self, *hosts: str) -> Path:
        """Certificate chain and key of a server known by ``hosts``, in one file."""
        path = self.directory / f"server-{'-'.join(hosts)}.pem"
        self.ca.issue_cert(*hosts).private_key_and_cert_chain_pem.write_to_path(str(path))
        return path

    def client_pem(self) -> Path:
        path = self.directory / "client.pem"
        cert = self.ca.issue_cert("billing@services.internal")
        cert.private_key_and_cert_chain_pem.write_to_path(str(path))
        return path


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return Pki(ca, ca_file, tmp_path)


@pytest.fixture
def https(pki: Pki, capture: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An HTTPS echo service whose certificate names 127.0.0.1, signed by the test CA."""
    app = peers.echo_app(peers.EchoState())
    with inprocess.serve_asgi(app, ssl_certfile=str(pki.server_pem("127.0.0.1"))) as url:
        monkeypatch.setenv("SERVICE_VAULT_URL", url)
        monkeypatch.setenv("SERVICE_VAULT_RETRIES", "0")  # a handshake failure is final
        capture.take()
        yield url


def client_hops(capture: Any) -> list[Record]:
    return [r for r in capture.take() if r.get("hopscope.hop.kind") == "client"]


async def test_the_ca_bundle_makes_the_handshake_succeed(
    https: str, pki: Pki, capture: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERVICE_VAULT_CA_BUNDLE", str(pki.ca_file))
    async with Vault() as vault:
        response = await vault.get("/echo")
    assert response.status_code == 200
    assert response.json()["traceparent"]  # the request itself went through, over TLS
    (hop,) = client_hops(capture)
    assert hop["url.full"] == f"{https}/echo"
    assert hop["http.response.status_code"] == 200
    assert hop["event.outcome"] == "success"
    assert "error.type" not in hop


def test_without_the_ca_bundle_the_hop_records_the_tls_error(
    https: str, capture: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SERVICE_VAULT_CA_BUNDLE", raising=False)
    with SyncVault() as vault, pytest.raises(httpx.ConnectError) as raised:
        vault.get("/echo")
    assert "CERTIFICATE_VERIFY_FAILED" in str(raised.value)
    (hop,) = client_hops(capture)
    assert hop["error.type"] == "httpx.ConnectError"
    assert "CERTIFICATE_VERIFY_FAILED" in hop["error.message"]
    assert hop["event.outcome"] == "failure"
    assert hop["log.level"] == "error"
    assert "http.response.status_code" not in hop
    assert hop["message"] == "vault GET /echo -> ConnectError"


def test_a_certificate_for_another_host_is_refused(
    pki: Pki, capture: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = peers.echo_app(peers.EchoState())
    with inprocess.serve_asgi(app, ssl_certfile=str(pki.server_pem("vault.internal"))) as url:
        monkeypatch.setenv("SERVICE_VAULT_URL", url)
        monkeypatch.setenv("SERVICE_VAULT_RETRIES", "0")
        monkeypatch.setenv("SERVICE_VAULT_CA_BUNDLE", str(pki.ca_file))
        capture.take()
        with SyncVault() as vault, pytest.raises(httpx.ConnectError):
            vault.get("/echo")
    (hop,) = client_hops(capture)
    assert hop["error.type"] == "httpx.ConnectError"
    assert "127.0.0.1" in hop["error.message"]  # the name the certificate did not match


def test_a_client_certificate_passes_a_server_that_requires_one(
    pki: Pki, capture: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = peers.echo_app(peers.EchoState())
    options = {
        "ssl_certfile": str(pki.server_pem("127.0.0.1")),
        "ssl_ca_certs": str(pki.ca_file),
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
    }
    with inprocess.serve_asgi(app, **options) as url:
        monkeypatch.setenv("SERVICE_VAULT_URL", url)
        monkeypatch.setenv("SERVICE_VAULT_RETRIES", "0")
        monkeypatch.setenv("SERVICE_VAULT_CA_BUNDLE", str(pki.ca_file))
        capture.take()
        with pytest.raises(httpx.TransportError), SyncVault() as vault:
            vault.get("/echo")  # no client certificate: the server ends the handshake
        (refused,) = client_hops(capture)
        monkeypatch.setenv("SERVICE_VAULT_CLIENT_CERT", str(pki.client_pem()))
        with SyncVault() as vault:
            assert vault.get("/echo").status_code == 200
        (accepted,) = client_hops(capture)
    assert refused["error.type"].startswith("httpx.")
    assert refused["event.outcome"] == "failure"
    assert accepted["http.response.status_code"] == 200
