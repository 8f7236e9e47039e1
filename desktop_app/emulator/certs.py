"""Throwaway TLS material for the emulator: a private CA and a loopback server certificate.

The SDK always dials ``wss://`` when it has an API key, so the emulator must speak TLS. Each emulator start
makes a fresh CA (never written with its key) and a leaf certificate for ``localhost``, ``127.0.0.1`` and
``::1`` signed by it. Callers trust the CA either with :func:`client_ssl_context` (in-process) or by pointing
``SSL_CERT_FILE`` at the file :func:`write_ca_file` wrote (any other process).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "LOOPBACK_NAMES",
    "TlsMaterial",
    "client_ssl_context",
    "generate_tls_material",
    "server_ssl_context",
    "write_ca_file",
]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
CA_FILE_NAME = "gemini-live-emulator-ca.pem"


@dataclass(frozen=True, slots=True)
class TlsMaterial:
    """PEM bytes of the CA certificate, the server certificate and the server's private key."""

    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes = field(repr=False)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Gemini Live Desktop offline emulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, signs_certificates: bool) -> x509.KeyUsage:
    """Digital signatures only, plus certificate and CRL signing for a CA."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certificates,
        crl_sign=signs_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def generate_tls_material(
    hosts: tuple[str, ...] = LOOPBACK_NAMES, *, valid_for: dt.timedelta = dt.timedelta(days=7)
) -> TlsMaterial:
    """Make a new CA and a server certificate for ``hosts`` (DNS names or IP literals). CPU only, no I/O."""
    now = dt.datetime.now(dt.UTC)
    not_before = now - dt.timedelta(minutes=5)  # tolerate small clock differences
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Gemini Live emulator throwaway CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(now + valid_for)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signs_certificates=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    alt_names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt_names.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0] if hosts else "localhost"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(now + valid_for)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signs_certificates=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return TlsMaterial(
        ca_pem=ca_cert.public_bytes(serialization.Encoding.PEM),
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def write_ca_file(material: TlsMaterial, directory: Path) -> Path:
    """Write the CA certificate (public, no key) into ``directory`` and return its path.

    The directory is created if needed. An older CA file of a previous run in the same directory is replaced.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / CA_FILE_NAME
    tmp = directory / (CA_FILE_NAME + f".{os.getpid()}.tmp")
    tmp.write_bytes(material.ca_pem)
    tmp.replace(path)
    return path


def server_ssl_context(material: TlsMaterial) -> ssl.SSLContext:
    """A server-side context presenting the leaf certificate.

    ``ssl`` can only load keys from files, so the key lives for a moment in a private temporary directory
    that is removed before this returns.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    with tempfile.TemporaryDirectory(prefix="live-emulator-tls-") as tmp:
        cert_file = Path(tmp) / "cert.pem"
        key_file = Path(tmp) / "key.pem"
        cert_file.write_bytes(material.cert_pem + material.ca_pem)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(material.key_pem)
        context.load_cert_chain(cert_file, key_file)
    return context


def client_ssl_context(ca_pem: bytes) -> ssl.SSLContext:
    """A client context that trusts exactly this CA (and verifies host names as usual)."""
    return ssl.create_default_context(cadata=ca_pem.decode("ascii"))
