"""After the fake ``helm3 rollback`` (prog_helm_recovery.py): what the cluster runs again is the
old revision's chart, so its manifests are rendered again through the real helm (_render.py) from
the values' saved text. Like helm 3, whose release keeps the chart: the files on disk may have moved."""

from __future__ import annotations

import os
import tempfile

from _common import Args

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def rerender(ctx: Any, name: str) -> None:
    import _render

    record = dict(ctx.state()["releases"][name])
    with tempfile.TemporaryDirectory(prefix="fake-helm-rollback-") as tmp:
        argv: list[str] = []
        for n, f in enumerate(record.get("values_files") or []):
            path = os.path.join(tmp, f"values{n}.yaml")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(f["text"])
            argv += ["-f", path]
        for s in record.get("set") or []:
            argv += ["--set", s]
        if _render.deploy_problem(ctx, Args(argv, {"-f", "--set"}), record) is not None:
            return  # the old revision rendered once; a failure now keeps the manifests as they were
    with ctx.store.update() as state:
        for key in ("manifest", "manifests"):
            if key in record:
                state["releases"][name][key] = record[key]
