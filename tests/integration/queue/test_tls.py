"""TLS on loopback: the client verifies the platform with the configured CA and presents its
client certificate; without either, nothing is sent and the failure is transient."""

from __future__ import annotations

import datetime
import ipaddress
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.integration.queue.conftest import make_engine
from tests.integration.queue.http_doubles import StandinHub

pytestmark = pytest.mark.realstack


def _cert(subject: str, key, issuer_name: x509.Name, issuer_key, *, ca: bool, san_ip: str | None = None) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if san_ip:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(san_ip))]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path, cert=None, key=None):
    data = b""
    if cert is not None:
        data += cert.public_bytes(serialization.Encoding.PEM)
    if key is not None:
        data += key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.write_bytes(data)
    return path


@pytest.fixture
def pki(tmp_path):
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Platform CA")])
    ca = _cert("Test Platform CA", ca_key, ca_name, ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = _cert("127.0.0.1", server_key, ca_name, ca_key, ca=False, san_ip="127.0.0.1")
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = _cert("GZ-HZ-0001", client_key, ca_name, ca_key, ca=False)
    return {
        "ca": _write(tmp_path / "ca.pem", ca),
        "server_cert": _write(tmp_path / "server.pem", server),
        "server_key": _write(tmp_path / "server.key", key=server_key),
        "client_cert": _write(tmp_path / "client.pem", client),
        "client_key": _write(tmp_path / "client.key", key=client_key),
    }


@pytest.fixture
def tls_hub(pki):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki["server_cert"], pki["server_key"])
    context.load_verify_locations(pki["ca"])
    context.verify_mode = ssl.CERT_REQUIRED  # the platform insists on a station certificate
    hub = StandinHub().start(tls=context)
    yield hub
    hub.stop()


def test_client_certificate_and_private_ca(outbox, tls_hub, pki):
    engine = make_engine(outbox, tls_hub.url, ca_bundle=pki["ca"], client_cert=pki["client_cert"], client_key=pki["client_key"])
    assert engine.heartbeat() == "ok"
    assert len(tls_hub.heartbeats) == 1


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({}, id="system-cas-do-not-know-the-platform"),
        pytest.param({"ca_bundle": "ca"}, id="no-client-certificate"),
    ],
)
def test_tls_failures_send_nothing(settings, outbox, tls_hub, pki):
    """Bad input: a platform certificate the station cannot verify; a missing client certificate."""
    overrides = {k: pki[v] for k, v in settings.items()}
    engine = make_engine(outbox, tls_hub.url, **overrides)
    assert engine.heartbeat() == "error:connection"
    assert tls_hub.heartbeats == []
