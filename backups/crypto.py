"""Streaming encryption of backup archives: AES-256-GCM in chunks of 1 MiB.

An encrypted archive is a header (magic, key id, nonce prefix) followed by chunks, each
``length (4 bytes, top bit = last chunk) + ciphertext + tag``. Every chunk has its own nonce
(prefix + counter) and authenticates the header, its number and whether it is the last, so a
wrong key, a changed byte, reordered chunks or a truncated file are all refused, and neither
side ever holds more than one chunk in memory.

The key is ``BACKUP_ENCRYPTION_KEY``: 32 random bytes in URL-safe base64
(``manage.py backup --generate-key`` prints one). The key id in the header (an HMAC of a fixed
string under the key, not the key) lets a restore say "wrong key" before it tries anything.
"""

import base64
import binascii
import hashlib
import hmac
import io
import os
import secrets
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured

MAGIC = b"MIHBAK\x00\x01"
CHUNK_SIZE = 1 << 20
LAST = 0x80000000
HEADER_SIZE = len(MAGIC) + 8 + 8


class DecryptionError(Exception):
    """The archive cannot be decrypted: wrong key, damaged or truncated."""


def generate_key():
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def load_key(value):
    """The 32-byte key from the setting's text; ``None`` when the setting is empty."""
    if not value:
        return None
    try:
        key = base64.urlsafe_b64decode(value.strip().encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ImproperlyConfigured(
            "BACKUP_ENCRYPTION_KEY must be 32 bytes in URL-safe base64 "
            "(make one with: manage.py backup --generate-key)."
        )
    return key


def key_id(key):
    return hmac.new(key, b"mih-backup-key-id", hashlib.sha256).digest()[:8]


class EncryptingWriter(io.RawIOBase):
    """A write-only stream that encrypts into ``raw``; ``close()`` writes the last chunk."""

    def __init__(self, raw, key):
        self._raw, self._aead = raw, AESGCM(key)
        self._header = MAGIC + key_id(key) + os.urandom(8)
        self._buffer, self._counter = bytearray(), 0
        raw.write(self._header)

    def writable(self):
        return True

    def write(self, data):
        self._buffer += data
        while len(self._buffer) > CHUNK_SIZE:  # keep the tail: it may be the last chunk
            self._emit(bytes(self._buffer[:CHUNK_SIZE]), last=False)
            del self._buffer[:CHUNK_SIZE]
        return len(data)

    def close(self):
        if not self.closed:
            self._emit(bytes(self._buffer), last=True)
            self._buffer = bytearray()
        super().close()

    def _emit(self, plaintext, *, last):
        flag = LAST if last else 0
        ciphertext = self._aead.encrypt(
            _nonce(self._header, self._counter), plaintext, _aad(self._header, self._counter, flag)
        )
        self._raw.write(struct.pack(">I", len(ciphertext) | flag) + ciphertext)
        self._counter += 1


class DecryptingReader(io.RawIOBase):
    """A read-only stream of the plaintext of an encrypted archive read from ``raw``."""

    def __init__(self, raw, key):
        self._raw, self._aead = raw, AESGCM(key)
        self._header = _read_exactly(raw, HEADER_SIZE)
        if len(self._header) < HEADER_SIZE or not self._header.startswith(MAGIC):
            raise DecryptionError("This is not an encrypted backup archive.")
        if self._header[len(MAGIC) : len(MAGIC) + 8] != key_id(key):
            raise DecryptionError(
                "This archive was encrypted with another key than BACKUP_ENCRYPTION_KEY; "
                "set the key it was made with."
            )
        self._plain, self._counter, self._done = b"", 0, False

    def readable(self):
        return True

    def readinto(self, target):
        while not self._plain and not self._done:
            self._next_chunk()
        count = min(len(target), len(self._plain))
        target[:count] = self._plain[:count]
        self._plain = self._plain[count:]
        return count

    def _next_chunk(self):
        prefix = _read_exactly(self._raw, 4)
        if len(prefix) < 4:
            raise DecryptionError("The archive is truncated (its last part is missing).")
        (length,) = struct.unpack(">I", prefix)
        flag, length = length & LAST, length & ~LAST
        ciphertext = _read_exactly(self._raw, length)
        try:
            self._plain = self._aead.decrypt(
                _nonce(self._header, self._counter),
                ciphertext,
                _aad(self._header, self._counter, flag),
            )
        except InvalidTag:
            raise DecryptionError(
                "The archive cannot be decrypted: it is damaged, or was encrypted with "
                "another key."
            ) from None
        self._counter += 1
        if flag:
            self._done = True
            if self._raw.read(1):
                raise DecryptionError("The archive has data after its end; it is damaged.")


def _nonce(header, counter):
    return header[-8:] + struct.pack(">I", counter)


def _aad(header, counter, flag):
    return header + struct.pack(">II", counter, flag)


def _read_exactly(raw, size):
    parts, left = [], size
    while left:
        part = raw.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)
