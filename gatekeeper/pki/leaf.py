"""Leaf certificates of the local CA, DER-encoded directly from a fixed template.

A leaf has one shape (subject CN, SANs, basicConstraints CA:FALSE, keyUsage, serverAuth and
clientAuth, subject and authority key identifiers), so its TBSCertificate is assembled here from
bytes and signed with the primitives alone. Importing ``cryptography.x509`` and running its
builder cost more than generating and signing the key, for every ``certs issue``; the CA
certificates and the CRL, made rarely, still use the builder. The tests parse every field of
these certificates back with ``cryptography.x509`` and complete TLS handshakes with them.
"""

from __future__ import annotations

import binascii
import datetime as dt
import hashlib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from gatekeeper.errors import ConfigError
from gatekeeper.pki.keys import PrivateKey

SEQUENCE, SET, INTEGER, BIT_STRING, OCTET_STRING, OID = 0x30, 0x31, 0x02, 0x03, 0x04, 0x06
UTF8_STRING, UTC_TIME, GENERALIZED_TIME, BOOLEAN = 0x0C, 0x17, 0x18, 0x01
_DNS_NAME, _IP_ADDRESS, _KEY_ID = 0x82, 0x87, 0x80
_VERSION_3 = bytes.fromhex("a003020102")


def tlv(tag: int, body: bytes) -> bytes:
    """One DER element: tag, definite length, contents."""
    size = len(body)
    if size < 0x80:
        return bytes((tag, size)) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + body


def der_int(value: int) -> bytes:
    """A non-negative INTEGER in the fewest bytes (a leading zero when the top bit is set)."""
    return tlv(INTEGER, value.to_bytes((value.bit_length() + 8) // 8, "big"))


def oid(dotted: str) -> bytes:
    first, second, *rest = (int(part) for part in dotted.split("."))
    body = bytearray()
    for arc in (first * 40 + second, *rest):
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return tlv(OID, bytes(body))


def der_time(moment: dt.datetime) -> bytes:
    """UTCTime for 1950-2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5), whole seconds."""
    moment = moment.astimezone(dt.UTC)
    if 1950 <= moment.year < 2050:
        return tlv(UTC_TIME, moment.strftime("%y%m%d%H%M%SZ").encode())
    return tlv(GENERALIZED_TIME, moment.strftime("%Y%m%d%H%M%SZ").encode())


def _extension(ext_oid: bytes, value: bytes, critical: bool = False) -> bytes:
    flag = tlv(BOOLEAN, b"\xff") if critical else b""  # DEFAULT FALSE is omitted in DER
    return tlv(SEQUENCE, ext_oid + flag + tlv(OCTET_STRING, value))


def _named_bits(bits: Sequence[int]) -> bytes:
    """A named BIT STRING (keyUsage) with the trailing zero bits dropped, as DER requires."""
    value = 0
    for bit in bits:
        value |= 1 << (15 - bit)
    unused = (value & -value).bit_length() - 1
    size = 1 if unused >= 8 else 2
    unused -= 8 if size == 1 else 0
    return tlv(BIT_STRING, bytes((unused,)) + (value >> (8 * (2 - size))).to_bytes(size, "big"))


_SAN, _BASIC, _KEY_USAGE = oid("2.5.29.17"), oid("2.5.29.19"), oid("2.5.29.15")
_EKU, _SKI, _AKI = oid("2.5.29.37"), oid("2.5.29.14"), oid("2.5.29.35")
_CN = oid("2.5.4.3")
_EKU_VALUE = tlv(SEQUENCE, oid("1.3.6.1.5.5.7.3.1") + oid("1.3.6.1.5.5.7.3.2"))
_BASIC_VALUE = tlv(SEQUENCE, b"")  # cA FALSE (the default), no pathLen
_ECDSA_SHA256 = tlv(SEQUENCE, oid("1.2.840.10045.4.3.2"))
_RSA_SHA256 = tlv(SEQUENCE, oid("1.2.840.113549.1.1.11") + tlv(0x05, b""))
_ED25519 = tlv(SEQUENCE, oid("1.3.101.112"))
# digitalSignature (0), keyEncipherment (2) for RSA keys, keyAgreement (4) for EC keys.
_USAGE = {
    "ec": _named_bits((0, 4)),
    "rsa": _named_bits((0, 2)),
    "ed25519": _named_bits((0,)),
}


def read_tlv(data: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, start of contents, end) of the DER element at ``offset``."""
    tag, first = data[offset], data[offset + 1]
    start = offset + 2
    if first < 0x80:
        return tag, start, start + first
    count = first & 0x7F
    size = int.from_bytes(data[start : start + count], "big")
    return tag, start + count, start + count + size


def children(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(tag, element start, contents start, end) of each element between start and end."""
    found = []
    while start < end:
        tag, body, stop = read_tlv(data, start)
        found.append((tag, start, body, stop))
        start = stop
    return found


def parse_time(tag: int, text: bytes) -> dt.datetime:
    """UTCTime ``YYMMDDHHMMSSZ`` or GeneralizedTime ``YYYYMMDDHHMMSSZ`` (without strptime,
    whose import costs more than the rest of this module)."""
    digits = text[:-1].decode("ascii")
    if tag == UTC_TIME and len(digits) == 12:
        digits = ("19" if digits[:2] >= "50" else "20") + digits
    if not text.endswith(b"Z") or len(digits) != 14 or not digits.isdigit():
        raise ValueError("not a DER time")
    month, day, hour, minute, second = (int(digits[i : i + 2]) for i in range(4, 14, 2))
    return dt.datetime(int(digits[:4]), month, day, hour, minute, second, tzinfo=dt.UTC)


def pem_to_der(pem: bytes) -> bytes:
    body = pem.split(b"-----BEGIN CERTIFICATE-----", 1)[1].split(b"-----END", 1)[0]
    return binascii.a2b_base64(body)


def der_to_pem(der: bytes) -> bytes:
    text = binascii.b2a_base64(der, newline=False)
    lines = b"\n".join(text[i : i + 64] for i in range(0, len(text), 64))
    return b"-----BEGIN CERTIFICATE-----\n" + lines + b"\n-----END CERTIFICATE-----\n"


@dataclass(frozen=True)
class Issuer:
    """What a leaf needs from its issuing CA certificate: read once, without ``x509``."""

    #: The DER of the issuer's subject Name: the leaves' issuer, byte for byte.
    subject: bytes
    #: The issuer's subject key identifier: the leaves' authority key identifier.
    key_id: bytes
    not_after: dt.datetime

    @classmethod
    def from_pem(cls, pem: bytes, source: str) -> Issuer:
        try:
            der = pem_to_der(pem)
            _, cert_body, _ = read_tlv(der, 0)
            _, tbs_body, tbs_end = read_tlv(der, cert_body)
            fields = children(der, tbs_body, tbs_end)
            fields = fields[1:] if fields[0][0] == 0xA0 else fields  # [0] version: v2 or v3
            _, subject_start, _, subject_end = fields[4]
            validity = children(der, fields[3][2], fields[3][3])
            tag, body, end = validity[1][0], validity[1][2], validity[1][3]
            not_after = parse_time(tag, der[body:end])
            key_id = _subject_key_id(der, fields)
        except (IndexError, ValueError, binascii.Error):
            raise ConfigError(
                "the CA certificate is not a valid PEM certificate", path=source
            ) from None
        if key_id is None:
            raise ConfigError("the CA certificate has no subject key identifier", path=source)
        return cls(der[subject_start:subject_end], key_id, not_after)


def _subject_key_id(der: bytes, fields: list[tuple[int, int, int, int]]) -> bytes | None:
    extensions = next((f for f in fields if f[0] == 0xA3), None)
    if extensions is None:
        return None
    (_, _, seq_body, seq_end), *_ = children(der, extensions[2], extensions[3])
    for _, _, body, end in children(der, seq_body, seq_end):
        parts = children(der, body, end)
        if der[parts[0][1] : parts[0][3]] == _SKI:
            value = der[parts[-1][2] : parts[-1][3]]  # OCTET STRING holding an OCTET STRING
            _, inner, inner_end = read_tlv(value, 0)
            return value[inner:inner_end]
    return None


def _key_id(spki: bytes) -> bytes:
    """SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2, method 1)."""
    (_, _, body, end), *_ = children(spki, 0, len(spki))
    _, _, key_body, key_end = children(spki, body, end)[1]
    return hashlib.sha1(spki[key_body + 1 : key_end], usedforsecurity=False).digest()


def _names(dns_names: Sequence[str], ip_addresses: Sequence[str]) -> bytes:
    names = b"".join(tlv(_DNS_NAME, name.encode("ascii")) for name in dns_names)
    names += b"".join(tlv(_IP_ADDRESS, ipaddress.ip_address(ip).packed) for ip in ip_addresses)
    return tlv(SEQUENCE, names)


def _signature_algorithm(signer: PrivateKey) -> bytes:
    if isinstance(signer, ec.EllipticCurvePrivateKey):
        return _ECDSA_SHA256
    if isinstance(signer, rsa.RSAPrivateKey):
        return _RSA_SHA256
    return _ED25519


def _sign(signer: PrivateKey, tbs: bytes) -> bytes:
    if isinstance(signer, ec.EllipticCurvePrivateKey):
        return signer.sign(tbs, ec.ECDSA(hashes.SHA256()))
    if isinstance(signer, rsa.RSAPrivateKey):
        return signer.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    return signer.sign(tbs)


def leaf_certificate(
    *,
    issuer: Issuer,
    signer: PrivateKey,
    key: PrivateKey,
    key_type: str,
    serial: int,
    common_name: str,
    dns_names: Sequence[str],
    ip_addresses: Sequence[str],
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> bytes:
    """The PEM certificate for ``key``, signed by ``signer`` (the key of ``issuer``)."""
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    extensions = (
        _extension(_SAN, _names(dns_names, ip_addresses))
        + _extension(_BASIC, _BASIC_VALUE, critical=True)
        + _extension(_KEY_USAGE, _USAGE[key_type], critical=True)
        + _extension(_EKU, _EKU_VALUE)
        + _extension(_SKI, tlv(OCTET_STRING, _key_id(spki)))
        + _extension(_AKI, tlv(SEQUENCE, tlv(_KEY_ID, issuer.key_id)))
    )
    subject = tlv(SEQUENCE, tlv(SET, tlv(SEQUENCE, _CN + tlv(UTF8_STRING, common_name.encode()))))
    algorithm = _signature_algorithm(signer)
    tbs = tlv(
        SEQUENCE,
        _VERSION_3
        + der_int(serial)
        + algorithm
        + issuer.subject
        + tlv(SEQUENCE, der_time(not_before) + der_time(not_after))
        + subject
        + spki
        + tlv(0xA3, tlv(SEQUENCE, extensions)),
    )
    signature = _sign(signer, tbs)
    return der_to_pem(tlv(SEQUENCE, tbs + algorithm + tlv(BIT_STRING, b"\x00" + signature)))
