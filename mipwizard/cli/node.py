"""``mipwizard node …``: join tokens and labels for a federation's nodes (run on the master)."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import EXIT_OK, EXIT_USAGE, add_command, error, paint, plural, print_json, unreachable_is_exit_3

JOIN_HELP = """\
Runs `microk8s add-node --token-ttl TTL` and prints the command to paste on the new worker.
The token lets one machine join within TTL seconds; a failed `microk8s join` uses it up, so
after a failed join run this command again for a new one."""

LABEL_HELP = """\
Labels a joined node (name = its hostname, lowercased for you) with --overwrite.
SMPC needs at least 3 nodes with --smpc-player."""


def register(subparsers: Any) -> None:
    node = add_command(subparsers, "node", _no_subcommand, "federation nodes: join command, labels")
    sub = node.add_subparsers(title="node commands", metavar="<command>")

    join = add_command(sub, "join-command", run_join_command, "print the command a worker runs to join", JOIN_HELP)
    join.add_argument("--ttl", type=int, default=3600, help="token lifetime in seconds (default 3600)")
    join.add_argument("--json", action="store_true", help="print as JSON")

    label = add_command(sub, "label", run_label, "label a node worker / smpc_player / master", LABEL_HELP)
    label.add_argument("name", help="node name (its hostname)")
    label.add_argument("--worker", action="store_true", help="worker=true (runs Exareme2 workers)")
    label.add_argument("--smpc-player", action="store_true", help="smpc_player=true (SMPC player)")
    label.add_argument("--master", action="store_true", help="master=true (the federation master)")

    listing = add_command(sub, "list", run_list, "list the cluster's nodes and their labels")
    listing.add_argument("--json", action="store_true", help="print as JSON")


def _no_subcommand(args: argparse.Namespace) -> int:
    error("choose a node command: join-command, label or list (see `mipwizard node --help`)")
    return EXIT_USAGE


@unreachable_is_exit_3
def run_join_command(args: argparse.Namespace) -> int:
    from ..core.federation import request_join_command

    join = request_join_command(args.ttl)
    if args.json:
        print_json(join.to_dict())
        return EXIT_OK
    minutes = f"{args.ttl // 60} minutes" if args.ttl >= 120 else f"{args.ttl} seconds"
    print(f"On the new worker, run (valid for {minutes}):\n")
    print(f"  {paint(join.worker_command, 'bold')}\n")
    if join.alternatives:
        print("If the worker cannot reach that address, use one of:")
        for command in join.alternative_worker_commands:
            print(f"  {command}")
        print()
    print("Then, here on the master: mipwizard node label <worker-hostname> --worker")
    return EXIT_OK


@unreachable_is_exit_3
def run_label(args: argparse.Namespace) -> int:
    from ..core.federation import label_node

    labels = label_node(args.name, worker=args.worker, smpc_player=args.smpc_player, master=args.master)
    print(f"{args.name.strip().lower()}: {' '.join(labels)}")
    return EXIT_OK


@unreachable_is_exit_3
def run_list(args: argparse.Namespace) -> int:
    from ..core.federation import SMPC_MIN_PLAYERS, list_nodes, smpc_players

    nodes = list_nodes()
    if args.json:
        print_json([{"name": n.name, "ready": n.ready, "roles": n.mip_roles} for n in nodes])
        return EXIT_OK
    width = max([len(n.name) for n in nodes] + [4])
    print(f"{'NAME':<{width}}  {'READY':<5}  LABELS")
    for n in nodes:
        ready = paint("yes", "green") if n.ready else paint("no ", "red")
        print(f"{n.name:<{width}}  {ready:<5}  {', '.join(n.mip_roles) or '-'}")
    players = len(smpc_players(nodes))
    note = "SMPC possible" if players >= SMPC_MIN_PLAYERS else f"SMPC needs {SMPC_MIN_PLAYERS}"
    print(f"\n{plural(len(nodes), 'node')}, {players} smpc_player ({note})")
    return EXIT_OK
