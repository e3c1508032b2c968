"""Fake ``microk8s kubectl exec POD -c db-importer -- mipdb …``: the Exareme2 0.20/0.28 data import,
loading from the host folder the exareme2 release's values really mount (``/opt/data`` in the pod)."""

from __future__ import annotations

import json
import os

from _common import err, out, unsupported

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def handles(argv: list[str]) -> bool:
    return argv[:1] == ["exec"] and "db-importer" in argv


def main(ctx: Any, argv: list[str]) -> int:
    return mipdb(ctx, argv[1:])


def _data_folder(state: dict) -> str | None:
    """Where the exareme2 release's values put the local workers' data (what /opt/data mounts):
    ``db.csvs_location`` (0.20) or ``<storage.hostPath.db.localworker>/csvs`` (0.28); the last -f wins."""
    import re

    found = None
    for f in (state.get("releases", {}).get("exareme2") or {}).get("values_files", []):
        text = f.get("text") or ""
        csvs = re.search(r"^\s+csvs_location:\s*['\"]?([^'\"\n]+)", text, re.M)
        local = re.search(r"^\s+localworker:\s*['\"]?([^'\"\n]+)", text, re.M)
        if csvs:
            found = csvs.group(1).strip()
        elif local:
            found = local.group(1).strip() + "/csvs"
    return found


def mipdb(ctx: Any, argv: list[str]) -> int:
    if "--" not in argv:
        return unsupported(ctx)
    pod, command = argv[0], argv[argv.index("--") + 1:]
    if command[:1] != ["mipdb"]:
        return unsupported(ctx)
    with ctx.store.update() as state:
        loaded = state.setdefault("mipdb", {}).setdefault(pod, None)
        verb = command[1:2]
        if verb == ["init"]:
            state["mipdb"][pod] = loaded or []
            return 0
        if loaded is None:
            err("mipdb: the database is not initialised — run `mipdb init` first")
            return 1
        if verb == ["list-data-models"]:
            if not loaded:
                out("There are no data models.")
                return 0
            out("   data_model_id          code  version              label   status  count")
            for i, (code, version) in enumerate(loaded):
                out(f"{i}  {i + 1:>13}  {code:>12}  {version:>7}  {code.title():>17}  ENABLED      1")
            return 0
        if verb == ["load-folder"] and command[2:] == ["/opt/data"]:
            folder = _data_folder(state)
            if folder is None or not os.path.isdir(folder):
                err(f"mipdb: /opt/data is empty (the host folder {folder} does not exist)")
                return 1
            for name in sorted(os.listdir(folder)):
                meta = os.path.join(folder, name, "CDEsMetadata.json")
                if os.path.isfile(meta):
                    with open(meta, encoding="utf-8") as fh:
                        cdes = json.load(fh)
                    entry = [cdes.get("code", name), str(cdes.get("version", "1.0"))]
                    if entry not in loaded:
                        loaded.append(entry)
            return 0
    return unsupported(ctx)
