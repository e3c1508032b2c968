"""Real rendering for the fake helm: ``helm template`` through the real helm 3 in ``$MIPWIZARD_REAL_HELM``.

``template`` passes the real helm's output through. ``deploy_problem`` renders what ``install`` /
``upgrade`` would send and returns helm's error where a real cluster would refuse it: the render
fails, an object's namespace does not exist (helm never creates one a template names), or a
manifest fails the API server's strict schema (kubernetes-validate stands in for its OpenAPI
check, when the fake's Python has it). Without a real helm nothing is rendered (the fake then
accepts any chart, as before, and ``template`` prints an empty stream).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from _common import err, out

TYPE_CHECKING = False  # typing costs ms at every fake call; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

    from _common import Args

REAL_HELM_ENV = "MIPWIZARD_REAL_HELM"
PASSED_ON = ("--set", "--set-string", "--set-file", "--api-versions", "-s", "--show-only")


def real_helm() -> str | None:
    path = os.environ.get(REAL_HELM_ENV) or ""
    return path if path and os.access(path, os.X_OK) else None


def kube_version(state: dict) -> str:
    return str((state.get("microk8s") or {}).get("version") or "v1.32.3")


def _run(ctx: Any, helm: str, args: Args, name: str, chart: str, namespace: str) -> tuple[int, str, str]:
    argv = [helm, "template", name, chart, "--namespace", namespace,
            "--kube-version", args.get("--kube-version") or kube_version(ctx.state())]
    for path in args.all("-f", "--values"):
        argv += ["-f", path]
    for flag in PASSED_ON:
        for value in args.all(flag):
            argv += [flag, value]
    for flag in ("--include-crds", "--skip-tests"):
        if args.has(flag):
            argv.append(flag)
    home = os.path.join(ctx.store.dir, "helm-home")  # never the tester's ~/.config/helm
    env = {"PATH": os.environ.get("PATH", ""), "HOME": home, "HELM_CACHE_HOME": os.path.join(home, "cache"),
           "HELM_CONFIG_HOME": os.path.join(home, "config"), "HELM_DATA_HOME": os.path.join(home, "data")}
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, check=False)
    except (OSError, subprocess.SubprocessError) as e:
        return 1, "", f"Error: fake: could not run the real helm {helm}: {e}\n"
    return done.returncode, done.stdout, done.stderr


def template(ctx: Any, args: Args, rest: list[str]) -> int:
    """``helm template NAME CHART [-n NS] [-f FILE]… [--kube-version V]``."""
    if len(rest) != 2:
        err('Error: "helm template" requires 2 arguments\n\nUsage:  helm template [NAME] [CHART] [flags]')
        return 1
    helm = real_helm()
    if helm is None:
        out(f"# fake: no real helm (${REAL_HELM_ENV} unset): nothing rendered")
        return 0
    code, stdout, stderr = _run(ctx, helm, args, rest[0], rest[1], args.get("-n", "--namespace", default="default"))
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    return code


def _yaml() -> Any:
    try:
        import site

        site.main()
        import yaml

        return yaml
    except ImportError:
        return None


def deploy_problem(ctx: Any, args: Args, record: dict) -> str | None:
    """Render ``record``'s chart as install/upgrade would; helm's error text, or None (then
    ``record["manifest"]``/``["manifests"]`` hold what the cluster receives)."""
    helm = real_helm()
    if helm is None:
        return None
    code, stdout, stderr = _run(ctx, helm, args, record["name"], record["chart_path"], record["namespace"])
    if code != 0:
        lines = [line for line in stderr.splitlines() if line.strip()]
        text = "\n".join(lines) or f"helm template exited {code}"
        return text[len("Error: "):] if text.startswith("Error: ") else text
    record["manifest"] = stdout
    yaml = _yaml()
    if yaml is None:
        return None
    docs = [d for d in yaml.safe_load_all(stdout) if isinstance(d, dict)]
    record["manifests"] = docs
    return _namespace_problem(ctx.state(), record, docs) or _schema_problem(ctx.state(), docs)


def _namespace_problem(state: dict, record: dict, docs: list[dict]) -> str | None:
    import _objects

    existing = _objects.namespaces(state)
    created = {(d.get("metadata") or {}).get("name") for d in docs if d.get("kind") == "Namespace"}
    release_ns = record["namespace"]
    if release_ns not in existing and not record.get("create_namespace"):
        return f'create: failed to create: namespaces "{release_ns}" not found'
    existing |= created | {release_ns}
    for doc in docs:
        _, ns, _ = _objects.key(doc, release_ns)
        if ns is not None and ns not in existing:
            return f'namespaces "{ns}" not found'
    return None


def _schema_problem(state: dict, docs: list[dict]) -> str | None:
    try:
        import site

        site.main()
        from kubernetes_validate import utils
    except ImportError:
        return None
    version = kube_version(state).lstrip("v")
    for doc in docs:
        try:
            utils.validate(doc, version, strict=True)
        except utils.ValidationError as e:
            where = ".".join([doc.get("kind", "?"), *(str(p) for p in e.path)])
            extra = re.search(r"\('(.+)' was unexpected\)", e.message)
            why = f'unknown field "{extra[1]}"' if extra else e.message
            return ('unable to build kubernetes objects from release manifest: error validating "": '
                    f"error validating data: ValidationError({where}): {why}")
        except (utils.SchemaNotFoundError, utils.VersionNotSupportedError):
            kind = doc.get("kind", "?")
            return (f'unable to build kubernetes objects from release manifest: resource mapping not found for '
                    f'name: "{(doc.get("metadata") or {}).get("name")}" namespace: "" from "": no matches for kind '
                    f'"{kind}" in version "{doc.get("apiVersion")}"\nensure CRDs are installed first')
    return None
