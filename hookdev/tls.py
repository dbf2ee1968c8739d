"""Local HTTPS: a workspace-local certificate authority and a localhost server certificate it signs.

Some senders only deliver to ``https://`` URLs; a CA made once per workspace lets the receiver serve
HTTPS on localhost and lets clients trust it by pointing at one file (``curl --cacert``,
``SSL_CERT_FILE``) instead of disabling verification. Nothing is installed system-wide.

Files under ``<home>/tls/``: ``ca.pem``, ``ca-key.pem``, ``server.pem``, ``server-key.pem``.
Keys are 0600. One process at a time makes them (an advisory lock on ``tls/.lock``): hookdev
processes starting together in a fresh workspace share one CA. Keys are ECDSA P-256 (fast to make, accepted everywhere). The CA lasts 10 years; the
server certificate 397 days and is made again when missing, expiring within 30 days, or not signed
by the current CA.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import ssl
from collections.abc import Iterator
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hookdev.private_files import write_private

CA_DAYS = 3650
SERVER_DAYS = 397
RENEW_BEFORE = dt.timedelta(days=30)
SERVER_DNS = ("localhost",)
SERVER_IPS = ("127.0.0.1", "::1")


def tls_dir(home: Path) -> Path:
    path = Path(home) / "tls"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load(cert_path: Path, key_path: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    """The certificate and key if both exist, parse, belong together and are not about to expire."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        return None
    if cert.not_valid_after_utc - dt.datetime.now(dt.UTC) < RENEW_BEFORE:
        return None
    return cert, key


def _ca_paths(home: Path) -> tuple[Path, Path]:
    d = tls_dir(home)
    return d / "ca.pem", d / "ca-key.pem"


def _server_paths(home: Path) -> tuple[Path, Path]:
    d = tls_dir(home)
    return d / "server.pem", d / "server-key.pem"


@contextlib.contextmanager
def _exclusive(home: Path) -> Iterator[None]:
    """Hold the workspace's TLS lock: one process at a time checks and makes the CA and the server
    certificate. (Unlocked, `listen` and `listen --tls` starting together in a fresh workspace each
    made a CA: the server certificate was signed by one while ``ca.pem`` held the other.)"""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): each file is still written atomically
        yield
        return
    fd = os.open(tls_dir(home) / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held for milliseconds; a crashed holder's lock goes with it
        yield
    finally:
        os.close(fd)  # releases the lock


def ensure_ca(home: Path) -> Path:
    """The workspace CA certificate's path, creating the CA (once) if it is missing or expiring."""
    cert_path, key_path = _ca_paths(home)
    if _load(cert_path, key_path) is not None:
        return cert_path
    with _exclusive(home):
        return _ensure_ca_locked(home)


def _ensure_ca_locked(home: Path) -> Path:
    cert_path, key_path = _ca_paths(home)
    if _load(cert_path, key_path) is not None:  # another process made it while we waited
        return cert_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hookdev"),
            x509.NameAttribute(NameOID.COMMON_NAME, "hookdev local CA"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_private(key_path, _key_pem(key))
    write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert_path


def ensure_server_cert(home: Path) -> tuple[Path, Path]:
    """``(cert, key)`` paths of the localhost server certificate, signed by the workspace CA."""
    with _exclusive(home):
        return _ensure_server_cert_locked(home)


def _ensure_server_cert_locked(home: Path) -> tuple[Path, Path]:
    ca_path = _ensure_ca_locked(home)
    ca_loaded = _load(ca_path, _ca_paths(home)[1])
    assert ca_loaded is not None  # ensure_ca just made sure
    ca_cert, ca_key = ca_loaded
    cert_path, key_path = _server_paths(home)
    current = _load(cert_path, key_path)
    if current is not None:
        try:
            current[0].verify_directly_issued_by(ca_cert)
            return cert_path, key_path
        except (ValueError, TypeError, InvalidSignature):
            pass  # signed by an older CA: make a new one
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in SERVER_DNS]
    names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in SERVER_IPS]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    write_private(key_path, _key_pem(key))
    write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def server_ssl_kwargs(home: Path) -> dict[str, str]:
    """Keyword arguments for ``uvicorn.Config`` that serve HTTPS with the workspace server certificate."""
    cert, key = ensure_server_cert(home)
    return {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}


def client_verify(home: Path) -> ssl.SSLContext:
    """An SSL context trusting the system CAs, certifi's bundle and the workspace CA (for httpx ``verify=``)."""
    context = ssl.create_default_context()
    try:
        import certifi

        context.load_verify_locations(cafile=certifi.where())
    except (ImportError, OSError):
        pass
    context.load_verify_locations(cafile=str(ensure_ca(home)))
    return context
