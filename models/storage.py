"""Where uploaded files' bytes live: a small interface, a local folder by default.

Rows keep a server-generated key (never a name a person chose); the storage
turns a key into bytes. ``LocalStorage`` writes under ``UPLOAD_FOLDER``;
another backend (an object store) needs only ``save``, ``path`` and
``delete``.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app


class LocalStorage:
    """Files in a folder, fanned out by the key's first two characters."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        if not key or not key.isalnum():
            raise ValueError("not a storage key")
        return self.folder / key[:2] / key

    def save(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()


def new_key() -> str:
    """A fresh storage key: 32 hex characters, unguessable."""
    return secrets.token_hex(16)


def storage() -> LocalStorage:
    """The application's storage."""
    return LocalStorage(current_app.config["UPLOAD_FOLDER"])
