"""A fake machine for trying mipwizard by hand (e.g. the TUI in tmux) without touching the system.

    eval "$(.venv/bin/python -m tests.fake_toolchain /tmp/fakebox)"                  # fresh Ubuntu
    eval "$(.venv/bin/python -m tests.fake_toolchain /tmp/fakebox --microk8s)"       # microk8s running
    eval "$(.venv/bin/python -m tests.fake_toolchain /tmp/fakebox --installed answers.yaml --pods crashloop)"

Prints the ``export`` lines that put the fake first on PATH. Point the answers' data_root and
checkout paths at a temp dir: ``--installed`` refuses /data and /opt.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from . import SCENARIOS, FakeToolchain


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_toolchain", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("state_dir", type=Path, help="where the fake keeps its state (created, reset)")
    parser.add_argument("--hostname", default="mip-master")
    parser.add_argument("--microk8s", action="store_true", help="microk8s installed, running, dns/helm3/ingress on")
    parser.add_argument("--installed", metavar="ANSWERS", type=Path, help="state as after a full install")
    parser.add_argument("--pods", choices=SCENARIOS, default="healthy", help="health of the release pods")
    parser.add_argument("--sudo-password", help="require this sudo password (default: passwordless)")
    args = parser.parse_args(argv)

    fake = FakeToolchain(args.state_dir, hostname=args.hostname)
    if args.installed:
        import yaml

        fake.mark_fully_installed(yaml.safe_load(args.installed.read_text()))
    elif args.microk8s:
        fake.install_microk8s(addons=("dns", "helm3", "ingress"))
    fake.pod_scenario(args.pods)
    if args.sudo_password:
        fake.set_sudo_password(args.sudo_password)
    env = fake.env()
    for key in ("PATH", "MIPWIZARD_FAKE_STATE", "MIPWIZARD_FAKE_PYTHON", "MIPWIZARD_MICROK8S_SNAP_DATA"):
        print(f"export {key}={shlex.quote(env[key])}")
    print(f"# fake machine in {args.state_dir}: calls are logged to {args.state_dir / 'calls.jsonl'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
