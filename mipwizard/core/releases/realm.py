"""The embedded Keycloak's realm import (``config/keycloak/keycloak.json`` in the mip-deployment
checkout): its client ``MIP`` ships with a published secret. Before the chart deploys, the client
gets the answers' internal client secret, so login works and the published one does not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REALM_FILE = Path("config/keycloak/keycloak.json")


class RealmProblem(Exception):
    pass


def patched_realm(text: str, client_id: str, secret: str) -> str:
    """The realm import with ``client_id``'s secret set; RealmProblem when there is no such client."""
    try:
        realm: Any = json.loads(text)
    except ValueError as exc:
        raise RealmProblem(f"is not valid JSON ({exc})") from None
    clients = realm.get("clients") if isinstance(realm, dict) else None
    for entry in clients if isinstance(clients, list) else []:
        if isinstance(entry, dict) and entry.get("clientId") == client_id:
            entry["secret"] = secret
            return json.dumps(realm, indent=2, ensure_ascii=False) + "\n"
    raise RealmProblem(f"has no client {client_id!r} — set internal_keycloak.client_id to a client of the realm")


def realm_secret(text: str, client_id: str) -> str | None:
    try:
        realm = json.loads(text)
        found = next(c.get("secret") for c in realm["clients"] if c.get("clientId") == client_id)
        return found if isinstance(found, str) else None
    except (ValueError, KeyError, TypeError, StopIteration):
        return None
