"""The throwaway TLS material: a CA the client trusts and a loopback certificate it verifies."""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path

import pytest
from cryptography import x509

from desktop_app.emulator import certs


@pytest.fixture(scope="module")
def material() -> certs.TlsMaterial:
    return certs.generate_tls_material()


def handshake(server: ssl.SSLContext, client: ssl.SSLContext, hostname: str) -> None:
    """A full TLS handshake in memory (no sockets)."""
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    client_side = client.wrap_bio(c_in, c_out, server_hostname=hostname)
    server_side = server.wrap_bio(s_in, s_out, server_side=True)
    done = {"client": False, "server": False}
    for _ in range(10):
        for name, side in (("client", client_side), ("server", server_side)):
            if not done[name]:
                try:
                    side.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if all(done.values()):
            return
    raise AssertionError("handshake did not finish")


def test_the_certificate_covers_the_loopback_names(material: certs.TlsMaterial) -> None:
    cert = x509.load_pem_x509_certificate(material.cert_pem)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert set(names.get_values_for_type(x509.IPAddress)) == {
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    }
    ca = x509.load_pem_x509_certificate(material.ca_pem)
    assert cert.issuer == ca.subject
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


@pytest.mark.parametrize("hostname", ["127.0.0.1", "localhost", "::1"])
def test_a_client_trusting_the_ca_verifies_the_server(material: certs.TlsMaterial, hostname: str) -> None:
    handshake(certs.server_ssl_context(material), certs.client_ssl_context(material.ca_pem), hostname)


def test_a_client_that_does_not_trust_the_ca_refuses(material: certs.TlsMaterial) -> None:
    other = certs.generate_tls_material()
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(certs.server_ssl_context(material), certs.client_ssl_context(other.ca_pem), "127.0.0.1")


def test_a_name_outside_the_certificate_is_refused(material: certs.TlsMaterial) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(
            certs.server_ssl_context(material), certs.client_ssl_context(material.ca_pem), "example.com"
        )


def test_the_ca_file_holds_only_the_public_ca(material: certs.TlsMaterial, tmp_path: Path) -> None:
    path = certs.write_ca_file(material, tmp_path / "new")
    assert path.read_bytes() == material.ca_pem
    assert b"PRIVATE KEY" not in path.read_bytes()
    assert "PRIVATE" not in repr(material)
    # the file works as SSL_CERT_FILE would use it
    handshake(certs.server_ssl_context(material), ssl.create_default_context(cafile=str(path)), "localhost")
