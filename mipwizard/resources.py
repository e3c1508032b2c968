"""Where the wizard's data files (profile templates, assets) live.

They sit at the top of the checkout (``profiles/``, ``assets/``); the README's set-up installs
the package in editable mode, so the checkout is always beside the code.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROFILES_DIR = ROOT / "profiles"
ASSETS_DIR = ROOT / "assets"


def asset_text(name: str, default: str = "") -> str:
    """Text of an asset file, or ``default`` when it is missing (never raise at run time)."""
    try:
        return (ASSETS_DIR / name).read_text(encoding="utf-8")
    except OSError:
        return default
