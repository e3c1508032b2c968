"""Fake sudo, id, getent, adduser, usermod, chown, stat, hostname (Ubuntu 22.04 messages)."""

from __future__ import annotations

import os
import sys

from _common import err, out, unsupported

TYPE_CHECKING = False  # typing costs ms at every fake call; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

AS_ROOT_ENV = "MIPWIZARD_FAKE_AS_ROOT"


# --- sudo -----------------------------------------------------------------------------------------


def _read_line_unbuffered() -> str | None:
    """One line from fd 0 without reading past it (the rest belongs to the inner program)."""
    chunks = bytearray()
    while True:
        try:
            b = os.read(0, 1)
        except OSError:
            return None
        if not b:
            return chunks.decode(errors="replace") if chunks else None
        if b == b"\n":
            return chunks.decode(errors="replace")
        chunks += b


def sudo(ctx: Any) -> int:
    args = ctx.args
    non_interactive = read_stdin = False
    prompt: str | None = None
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            i += 1
            break
        if not a.startswith("-") or a == "-":
            break
        if a.startswith("--"):
            if a == "--non-interactive":
                non_interactive = True
            elif a == "--stdin":
                read_stdin = True
            elif a.startswith("--prompt="):
                prompt = a.split("=", 1)[1]
            elif a == "--prompt":
                i += 1
                prompt = args[i] if i < len(args) else ""
            elif a in ("--preserve-env", "--login", "--set-home", "--reset-timestamp"):
                pass
            else:
                err(f"sudo: unrecognized option '{a}'")
                return 1
            i += 1
            continue
        # clustered short flags: -nS, -p PROMPT, -pPROMPT, -u USER
        j = 1
        while j < len(a):
            c = a[j]
            if c == "n":
                non_interactive = True
            elif c == "S":
                read_stdin = True
            elif c in "EHk":
                pass
            elif c in "pu":
                value = a[j + 1 :]
                if not value:
                    i += 1
                    value = args[i] if i < len(args) else ""
                if c == "p":
                    prompt = value
                break
            else:
                err(f"sudo: invalid option -- '{c}'")
                return 1
            j += 1
        i += 1
    inner = args[i:]
    if not inner:
        err("usage: sudo [-n] [-S] [-p prompt] [--] command [arg ...]")
        return 1

    state = ctx.state()
    password = state["sudo_password"]
    if password is not None and not ctx.via_sudo:
        user = state["current_user"]
        shown = f"[sudo] password for {user}: " if prompt is None else prompt
        if read_stdin:
            sys.stderr.write(shown)
            sys.stderr.flush()
            line = _read_line_unbuffered()
            if line != password:
                if line is not None:
                    err("Sorry, try again.")
                    sys.stderr.write(shown)
                err("sudo: 1 incorrect password attempt" if line is not None else "sudo: no password was provided")
                return 1
        elif non_interactive:
            err("sudo: a password is required")
            return 1
        else:
            err(
                "sudo: a terminal is required to read the password; either use the -S option to read "
                "from standard input or configure an askpass helper"
            )
            err("sudo: a password is required")
            return 1

    env = dict(os.environ)
    env[AS_ROOT_ENV] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    return _run_like_sudo(inner, env)


def _run_like_sudo(inner: list, env: dict) -> int:
    """Like real sudo (use_pty): the command runs as a child in a session of its own, and sudo
    relays the signals it gets to the command's process group. A sudo killed with SIGKILL leaves its command running —
    which is why the runner ends a group with SIGTERM first."""
    import contextlib
    import signal

    pid = os.fork()
    if pid == 0:
        os.setsid()
        try:
            os.execvpe(inner[0], inner, env)
        except OSError:
            err(f"sudo: {inner[0]}: command not found")
            os._exit(1)

    def relay(signum: int, frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signum)  # the command leads its own group, as under sudo's pty

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, relay)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


# --- users and groups -----------------------------------------------------------------------------


def _groups_of(state: dict, user: str) -> list[str]:
    """Primary group first, then supplementary groups in /etc/group order (like `id -nG`)."""
    info = state["users"][user]
    names = [name for name, g in state["groups"].items() if g["gid"] == info["gid"]]
    primary = names[0] if names else str(info["gid"])
    extra = [name for name, g in state["groups"].items() if user in g["members"] and name != primary]
    return [primary, *extra]


def _gid_name(state: dict, gid: int) -> str:
    for name, g in state["groups"].items():
        if g["gid"] == gid:
            return name
    return str(gid)


def cmd_id(ctx: Any) -> int:
    state = ctx.state()
    opts = [a for a in ctx.args if a.startswith("-")]
    names = [a for a in ctx.args if not a.startswith("-")]
    letters = "".join(o.lstrip("-") for o in opts if not o.startswith("--"))
    long = {o for o in opts if o.startswith("--")}
    user = names[0] if names else ("root" if ctx.via_sudo else state["current_user"])
    if user not in state["users"]:
        err(f"id: '{user}': no such user")
        return 1
    info = state["users"][user]
    groups = _groups_of(state, user)
    by_name = "n" in letters or "--name" in long
    if "u" in letters or "--user" in long:
        out(user if by_name else str(info["uid"]))
    elif "g" in letters or "--group" in long:
        out(groups[0] if by_name else str(info["gid"]))
    elif "G" in letters or "--groups" in long:
        out(" ".join(groups if by_name else [str(state["groups"][g]["gid"]) for g in groups]))
    elif not letters and not long:
        parts = ",".join(f"{state['groups'][g]['gid']}({g})" for g in groups if g in state["groups"])
        out(f"uid={info['uid']}({user}) gid={info['gid']}({_gid_name(state, info['gid'])}) groups={parts}")
    else:
        return unsupported(ctx)
    return 0


def cmd_getent(ctx: Any) -> int:
    state = ctx.state()
    if not ctx.args:
        err("Usage: getent [OPTION...] database [key ...]")
        return 1
    db, keys = ctx.args[0], ctx.args[1:]
    if db == "group":
        rows = {n: f"{n}:x:{g['gid']}:{','.join(g['members'])}" for n, g in state["groups"].items()}
    elif db == "passwd":
        rows = {
            n: f"{n}:x:{u['uid']}:{u['gid']}:{u.get('gecos', '')}:{u['home']}:{u['shell']}"
            for n, u in state["users"].items()
        }
    else:
        err(f"Unknown database: {db}")
        return 1
    if not keys:
        for row in rows.values():
            out(row)
        return 0
    code = 0
    for key in keys:
        if key in rows:
            out(rows[key])
        else:
            code = 2  # getent: one or more keys not found
    return code


def _next_id(state: dict) -> int:
    used = {u["uid"] for u in state["users"].values()} | {g["gid"] for g in state["groups"].values()}
    n = 1001
    while n in used:
        n += 1
    return n


def add_user_to_state(state: dict, name: str) -> int:
    uid = _next_id(state)
    state["users"][name] = {"uid": uid, "gid": uid, "home": f"/home/{name}", "shell": "/bin/bash", "gecos": ",,,"}
    state["groups"][name] = {"gid": uid, "members": []}
    return uid


def cmd_adduser(ctx: Any) -> int:
    args = list(ctx.args)
    positional: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--gecos", "--home", "--shell", "--uid", "--gid", "--ingroup", "--comment"):
            i += 2
            continue
        if a.startswith("--"):
            i += 1
            continue
        positional.append(a)
        i += 1
    if not ctx.is_root():
        err("adduser: Only root may add a user or group to the system.")
        return 1
    if len(positional) == 1:
        name = positional[0]
        with ctx.store.update() as state:
            if name in state["users"]:
                err(f"adduser: The user `{name}' already exists.")
                return 1
            uid = add_user_to_state(state, name)
        out(f"Adding user `{name}' ...")
        out(f"Adding new group `{name}' ({uid}) ...")
        out(f"Adding new user `{name}' ({uid}) with group `{name}' ...")
        out(f"Creating home directory `/home/{name}' ...")
        out("Copying files from `/etc/skel' ...")
        return 0
    if len(positional) == 2:
        user, group = positional
        with ctx.store.update() as state:
            if user not in state["users"]:
                err(f"adduser: The user `{user}' does not exist.")
                return 1
            if group not in state["groups"]:
                err(f"adduser: The group `{group}' does not exist.")
                return 1
            members = state["groups"][group]["members"]
            if user in members:
                out(f"The user `{user}' is already a member of `{group}'.")
                return 0
            members.append(user)
        out(f"Adding user `{user}' to group `{group}' ...")
        out(f"Adding user {user} to group {group}")
        out("Done.")
        return 0
    return unsupported(ctx)


def cmd_usermod(ctx: Any) -> int:
    args = list(ctx.args)
    append = False
    groups: list[str] | None = None
    positional: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-a", "--append"):
            append = True
        elif a in ("-G", "--groups"):
            i += 1
            groups = args[i].split(",") if i < len(args) else []
        elif a in ("-aG",):
            append = True
            i += 1
            groups = args[i].split(",") if i < len(args) else []
        elif a.startswith("-"):
            return unsupported(ctx)
        else:
            positional.append(a)
        i += 1
    if groups is None or len(positional) != 1:
        return unsupported(ctx)
    user = positional[0]
    if not ctx.is_root():
        err("usermod: Permission denied.")
        err("usermod: cannot lock /etc/passwd; try again later.")
        return 1
    with ctx.store.update() as state:
        if user not in state["users"]:
            err(f"usermod: user '{user}' does not exist")
            return 6
        for g in groups:
            if g not in state["groups"]:
                err(f"usermod: group '{g}' does not exist")
                return 6
        if not append:  # the classic trap: -G without -a replaces the supplementary groups
            for name, g in state["groups"].items():
                if user in g["members"] and name not in groups:
                    g["members"].remove(user)
        for g in groups:
            if user not in state["groups"][g]["members"]:
                state["groups"][g]["members"].append(user)
    return 0


# --- ownership ------------------------------------------------------------------------------------


def cmd_chown(ctx: Any) -> int:
    recursive = False
    rest: list[str] = []
    args = list(ctx.args)
    if "--" in args:  # everything after it is an operand, even a name starting with '-'
        rest = args[args.index("--") + 1 :]
        args = args[: args.index("--")]
    for a in args:
        if a in ("-R", "--recursive"):
            recursive = True
        elif a.startswith("-") and a != "-":
            if a not in ("-h", "--no-dereference", "-v", "--verbose", "-c", "--changes"):
                return unsupported(ctx)
        else:
            rest.append(a)
    if len(rest) < 2:
        err("chown: missing operand")
        return 1
    spec, paths = rest[0], rest[1:]
    state = ctx.state()
    if ":" in spec:
        user, group = spec.split(":", 1)
    elif "." in spec and spec.split(".", 1)[0] in state["users"]:
        err("chown: warning: '.' should be ':'")
        user, group = spec.split(".", 1)
    else:
        user, group = spec, ""
    if user and user not in state["users"]:
        err(f"chown: invalid user: '{spec}'")
        return 1
    if group and group not in state["groups"]:
        err(f"chown: invalid group: '{spec}'")
        return 1
    if not ctx.is_root():
        for p in paths:
            err(f"chown: changing ownership of '{p}': Operation not permitted")
        return 1
    code = 0
    with ctx.store.update() as state:
        for p in paths:
            if not os.path.exists(p):
                err(f"chown: cannot access '{p}': No such file or directory")
                code = 1
                continue
            key = os.path.abspath(p)
            old = _owner(state, key) or _real_owner(key)
            old_user, old_group = old.split(":", 1)
            if spec.endswith(":") and user:
                new_group = _gid_name(state, state["users"][user]["gid"])
            else:
                new_group = group or old_group
            state["owners"][key] = {"owner": f"{user or old_user}:{new_group}", "recursive": recursive}
    return code


def _owner(state: dict, path: str) -> str | None:
    """Recorded owner of ``path``: its own record, or the nearest ancestor chowned with -R."""
    owners = state["owners"]
    if path in owners:
        return str(owners[path]["owner"])
    parent = os.path.dirname(path)
    while parent and parent != path:
        rec = owners.get(parent)
        if rec and rec["recursive"]:
            return str(rec["owner"])
        path, parent = parent, os.path.dirname(parent)
    return None


def owner_of(state: dict, path: str) -> str | None:
    return _owner(state, os.path.abspath(path))


def _real_owner(path: str) -> str:
    import grp
    import pwd

    st = os.stat(path)
    try:
        user = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        user = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return f"{user}:{group}"


def cmd_stat(ctx: Any) -> int:
    fmt: str | None = None
    paths: list[str] = []
    args = list(ctx.args)
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-c", "--format"):
            i += 1
            fmt = args[i] if i < len(args) else ""
        elif a.startswith("--format="):
            fmt = a.split("=", 1)[1]
        elif a.startswith("-c") and len(a) > 2:
            fmt = a[2:]
        elif a.startswith("-"):
            return unsupported(ctx)
        else:
            paths.append(a)
        i += 1
    if fmt is None or not paths:
        return unsupported(ctx)
    state = ctx.state()
    code = 0
    for p in paths:
        if not os.path.lexists(p):
            err(f"stat: cannot statx '{p}': No such file or directory")
            code = 1
            continue
        owner = owner_of(state, p) or _real_owner(p)
        user, group = owner.split(":", 1)
        st = os.stat(p)
        uid = state["users"][user]["uid"] if user in state["users"] else st.st_uid
        gid = state["groups"][group]["gid"] if group in state["groups"] else st.st_gid
        kind = "directory" if os.path.isdir(p) else "regular file"
        repl = {
            "%U": user,
            "%G": group,
            "%u": str(uid),
            "%g": str(gid),
            "%n": p,
            "%a": format(st.st_mode & 0o7777, "o"),
            "%F": kind,
            "%s": str(st.st_size),
        }
        text = fmt
        for key, value in repl.items():
            text = text.replace(key, value)
        out(text)
    return code


def _inside_temp(ctx: Any, path: str) -> bool:
    """Tests never touch the real system: the fake creates folders only under the temp dir
    (or next to its own state dir)."""
    import tempfile

    real = os.path.realpath(path)
    roots = [os.path.realpath(tempfile.gettempdir()), os.path.realpath(os.path.dirname(ctx.store.dir))]
    return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots if r != os.sep)


def cmd_mkdir(ctx: Any) -> int:
    """``mkdir [-p] [-m MODE] DIR…``: really creates the folders (only under the temp dir)."""
    parents = False
    mode = 0o777
    paths: list[str] = []
    args = list(ctx.args)
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-p", "--parents"):
            parents = True
        elif a in ("-m", "--mode"):
            i += 1
            try:
                mode = int(args[i], 8)
            except (IndexError, ValueError):
                return unsupported(ctx)
        elif a == "--":
            paths += args[i + 1 :]
            break
        elif a.startswith("-"):
            return unsupported(ctx)
        else:
            paths.append(a)
        i += 1
    if not paths:
        err("mkdir: missing operand")
        err("Try 'mkdir --help' for more information.")
        return 1
    code = 0
    for p in paths:
        if not _inside_temp(ctx, p):
            err(f"fake: mkdir refuses '{p}': outside the temporary folder (tests never touch the real system)")
            code = 1
            continue
        try:
            if parents:
                os.makedirs(p, mode=mode, exist_ok=True)
            else:
                os.mkdir(p, mode)
        except FileExistsError:
            err(f"mkdir: cannot create directory '{p}': File exists")
            code = 1
        except FileNotFoundError:
            err(f"mkdir: cannot create directory '{p}': No such file or directory")
            code = 1
        except NotADirectoryError:
            err(f"mkdir: cannot create directory '{p}': Not a directory")
            code = 1
    return code


def cmd_hostname(ctx: Any) -> int:
    state = ctx.state()
    if not ctx.args or ctx.args in (["-s"], ["--short"], ["-f"], ["--fqdn"]):
        out(state["hostname"])
        return 0
    if ctx.args in (["-I"], ["--all-ip-addresses"]):
        out(" ".join([state["ip"], *state["other_ips"]]) + " ")
        return 0
    return unsupported(ctx)


HANDLERS = {
    "id": cmd_id,
    "getent": cmd_getent,
    "adduser": cmd_adduser,
    "usermod": cmd_usermod,
    "chown": cmd_chown,
    "stat": cmd_stat,
    "mkdir": cmd_mkdir,
    "hostname": cmd_hostname,
}
