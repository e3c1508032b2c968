"""Optional passphrase encryption in the age format (https://age-encryption.org/v1).

age is a small, audited, standard format: the archive opens with ``age -d`` or ``rage -d`` on any
machine, not only with mipwizard. pyrage (Rust's rage, wheels for every platform we run on) does
the work; it encrypts in memory, so an encrypted archive must fit in memory twice (MAX_BYTES).
The passphrase comes from a prompt, a file or stdin; never from argv.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import UserError

MAGIC = b"age-encryption.org/v1\n"
MAX_BYTES = 4 * 1024**3
SUFFIX = ".age"


def is_encrypted(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _pyrage() -> object:
    try:
        from pyrage import passphrase
    except ImportError:
        raise UserError("encryption needs the pyrage package — pip install pyrage (it ships with mipwizard)") from None
    return passphrase


def encrypt_file(path: Path, secret: str) -> Path:
    """``path`` → ``path.age`` (0600, atomic); the plain file is removed once the encrypted one is safe."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise UserError(f"{path} is {size // 1024**2} MiB: too large to encrypt in memory — back up without "
                        "--with-data, or without --encrypt and encrypt the file with age yourself")
    passphrase = _pyrage()
    data = passphrase.encrypt(path.read_bytes(), secret)  # type: ignore[attr-defined]
    target = path.with_name(path.name + SUFFIX)
    _write_private(target, data)
    path.unlink()
    return target


def decrypt_to_temp(path: Path, secret: str, folder: Path) -> Path:
    """The plain archive in a 0600 temp file under ``folder`` (the caller deletes it)."""
    passphrase = _pyrage()
    try:
        data = passphrase.decrypt(path.read_bytes(), secret)  # type: ignore[attr-defined]
    except Exception as exc:  # pyrage.DecryptError and friends
        raise UserError(f"{path}: cannot decrypt it ({exc.__class__.__name__}) — wrong passphrase, or the file "
                        "is damaged; nothing was changed") from None
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(prefix=".restore-", suffix=".tar.gz", dir=folder)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(data)
    return Path(name)


def _write_private(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_passphrase(*, file: str | None, stdin: bool, prompt: bool, confirm: bool) -> str:
    """From ``--passphrase-file FILE``, ``--passphrase-stdin`` or a hidden prompt (asked twice to set one)."""
    import sys

    if file:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{file}: cannot read the passphrase file ({exc.strerror})") from None
        secret = text.splitlines()[0] if text else ""
    elif stdin:
        secret = sys.stdin.readline().rstrip("\n")
    elif prompt:
        import getpass

        if not sys.stdin or not sys.stdin.isatty():
            raise UserError("no terminal to ask for the passphrase on — use --passphrase-file FILE or "
                            "--passphrase-stdin")
        secret = getpass.getpass("Backup passphrase: ")
        if confirm and getpass.getpass("Same passphrase again: ") != secret:
            raise UserError("the two passphrases differ — nothing was written")
    else:
        raise UserError("no passphrase given")
    if len(secret) < 8:
        raise UserError("the passphrase is shorter than 8 characters — choose a longer one")
    return secret
