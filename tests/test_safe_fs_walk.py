"""The ``openat`` walk root uses for folders a less-privileged user can change (core/safe_fs.py).

We run as root, so the tests are the attack itself: a folder handed to another user id, links
planted in it, and a folder swapped for a link while the walk is under way.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from mipwizard.core import safe_fs
from mipwizard.core.safe_fs import UnsafePath, folder_owner, make_owned_folder, open_folder, refuse_links
from tests.test_install import site  # noqa: F401 (fixture)

ADMIN = 4242  # the admin user's uid and gid: less privileged than us


def owner(path: Path) -> tuple[int, int]:
    info = os.lstat(path)
    return info.st_uid, info.st_gid


def test_makes_the_missing_folders_and_chowns_only_the_last(tmp_path: Path) -> None:
    make_owned_folder(tmp_path / "data" / "fed", ADMIN, ADMIN)
    make_owned_folder(tmp_path / "data" / "fed" / "dementia", ADMIN, ADMIN)
    assert owner(tmp_path / "data") == (0, 0)  # a parent it made stays root's
    assert owner(tmp_path / "data" / "fed") == owner(tmp_path / "data" / "fed" / "dementia") == (ADMIN, ADMIN)
    assert folder_owner(tmp_path / "data" / "fed" / "dementia") == (ADMIN, ADMIN)
    assert folder_owner(tmp_path / "data" / "missing") is None


def test_a_link_planted_where_the_user_can_write_is_refused_naming_it(tmp_path: Path) -> None:
    fed = tmp_path / "data" / "fed"
    make_owned_folder(fed, ADMIN, ADMIN)
    victim = tmp_path / "root-only"
    victim.mkdir(mode=0o700)
    (fed / "dementia").symlink_to(victim)
    os.lchown(fed / "dementia", ADMIN, ADMIN)
    with pytest.raises(UnsafePath) as caught:
        make_owned_folder(fed / "dementia", ADMIN, ADMIN)
    message = str(caught.value)
    assert f"{fed / 'dementia'} is a symbolic link (to {victim}) in a folder another user can change" in message
    assert f"`rm {fed / 'dementia'}`" in message
    assert owner(victim) == (0, 0)
    assert folder_owner(fed / "dementia") is None  # the probe never takes it for done
    with pytest.raises(UnsafePath):
        refuse_links(fed / "dementia" / "deeper")  # the check before sudo's mkdir/chown, too


def test_a_link_root_made_in_roots_own_folder_is_followed(tmp_path: Path) -> None:
    real = tmp_path / "srv-data"
    real.mkdir()
    (tmp_path / "data").symlink_to(real)  # `/data -> /srv/data`, made by the admin as root
    make_owned_folder(tmp_path / "data" / "fed", ADMIN, ADMIN)
    assert owner(real / "fed") == (ADMIN, ADMIN)


def test_a_world_writable_folder_is_no_place_for_a_followed_link(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # like /tmp: anyone could have made the link, even if it says root's
    (shared / "data").symlink_to(tmp_path)
    with pytest.raises(UnsafePath, match="in a folder another user can change"):
        open_folder(shared / "data")


def test_a_file_in_the_way_and_a_loop_of_links_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(UnsafePath, match="is not a folder"):
        make_owned_folder(tmp_path / "file" / "fed", ADMIN, ADMIN)
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(UnsafePath, match="too many symbolic links"):
        open_folder(tmp_path / "a")


def test_a_folder_swapped_for_a_link_after_it_was_opened_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race lstat-then-chown lost: the admin user renames its federation folder away and puts a
    link to a root-only folder in its place just after the walk opened it. The mkdir and the chown
    happen on what was opened (the real folder, now renamed), never through the new link."""
    fed = tmp_path / "data" / "fed"
    make_owned_folder(fed, ADMIN, ADMIN)
    victim = tmp_path / "root-only"
    victim.mkdir(mode=0o700)
    real_open = os.open
    swapped: list[str] = []

    def open_then_swap(name: str | Path, flags: int, mode: int = 0o777, *, dir_fd: int | None = None) -> int:
        fd = real_open(name, flags, mode, dir_fd=dir_fd)
        if name == "fed" and not swapped:  # the walk holds the federation folder: swap it now
            fed.rename(tmp_path / "data" / "fed-moved")
            fed.symlink_to(victim)
            os.lchown(fed, ADMIN, ADMIN)
            swapped.append("done")
        return fd

    monkeypatch.setattr(safe_fs.os, "open", open_then_swap)
    make_owned_folder(fed / "dementia", ADMIN, ADMIN)
    monkeypatch.undo()
    assert swapped
    assert list(victim.iterdir()) == [] and owner(victim) == (0, 0)  # nothing made or chowned through the link
    made = tmp_path / "data" / "fed-moved" / "dementia"
    assert made.is_dir() and owner(made) == (ADMIN, ADMIN)  # the act happened on the folder opened
    with pytest.raises(UnsafePath, match="is a symbolic link"):  # and the next run refuses the link
        make_owned_folder(fed / "dementia", ADMIN, ADMIN)


def test_the_checks_before_an_external_chown_use_the_same_rules(tmp_path: Path) -> None:
    refuse_links(tmp_path / "not" / "made" / "yet")  # missing: made as real folders later
    link_home = tmp_path / "home"
    link_home.mkdir()
    os.chown(link_home, ADMIN, ADMIN)
    (link_home / "opt").symlink_to("/etc")
    with pytest.raises(UnsafePath, match="opt is a symbolic link"):
        refuse_links(link_home / "opt" / "exareme2", what="checkout")


def test_the_install_refuses_a_link_the_admin_planted_in_its_data_folder(
    fake_toolchain: Any, site: dict, tmp_path: Path  # noqa: F811
) -> None:
    """The attack on a root re-run: `/data/<fed>/<pathology> -> /root`, planted by the admin user."""
    from tests.test_install import outcomes, run_install

    result, _ = run_install(site, tmp_path, only_step="data-folders")  # first as root: folders made
    assert not result.ok  # (no admin user yet on this fake machine: the step says how to make it)
    fake_toolchain.add_user("mipadmin", groups=("sudo", "microk8s"))
    assert run_install(site, tmp_path, only_step="data-folders")[0].ok
    fed = tmp_path / "data" / "mipfed1"
    admin = fake_toolchain.state()["users"]["mipadmin"]
    assert owner(fed) == owner(fed / "dementia") == (admin["uid"], admin["gid"])
    victim = tmp_path / "root-home"
    victim.mkdir(mode=0o700)
    (fed / "dementia").rmdir()
    (fed / "dementia").symlink_to(victim)  # what the admin user can do in its own folder
    os.lchown(fed / "dementia", admin["uid"], admin["gid"])
    again, events = run_install(site, tmp_path)
    assert not again.ok and outcomes(events)["data-folders"] == "failed"
    assert f"{fed / 'dementia'} is a symbolic link (to {victim})" in again.message
    assert owner(victim) == (0, 0) and list(victim.iterdir()) == []
    assert not fake_toolchain.calls_of("chown", "-h", "--", "mipadmin:mipadmin", str(fed))

