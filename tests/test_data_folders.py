"""Creating pathology folders: argv planned, owner resolved, failures explained.

(The same against the fake toolchain's chown is in test_tui_data.py / test_data_folders_fake.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mipwizard.core.data import create_pathology_folders, missing_pathologies
from mipwizard.core.errors import UserError
from mipwizard.core.system import Captured


class Recorder:
    def __init__(self, failing: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.failing = failing

    def __call__(self, argv: list[str]) -> Captured:
        self.calls.append(argv)
        if argv[0] == self.failing:
            return Captured(argv, 1, "", f"{argv[0]}: invalid user: 'ghost:'")
        if argv[0] == "mkdir":
            for path in argv[2:]:
                Path(path).mkdir(parents=True, exist_ok=True)
        return Captured(argv, 0, "", "")


def test_creates_and_chowns_with_colon(tmp_path: Path) -> None:
    run = Recorder()
    folders = create_pathology_folders(tmp_path, "mipfed1", ["dementia", "tbi"], "mipadmin", group="mipadmin", run=run)
    base = tmp_path / "mipfed1"
    assert folders == [base / "dementia", base / "tbi"]
    assert run.calls == [
        ["mkdir", "-p", "--", str(base / "dementia"), str(base / "tbi")],
        ["chown", "-h", "--", "mipadmin:mipadmin", str(base), str(base / "dementia"), str(base / "tbi")],
    ]
    assert missing_pathologies(tmp_path, "mipfed1", ["dementia", "tbi", "mri"]) == ["mri"]


def test_failure_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"`chown -h -- ghost:staff .*` failed: chown: invalid user"):
        create_pathology_folders(tmp_path, "f", ["p"], "ghost", group="staff", run=Recorder(failing="chown"))


@pytest.mark.parametrize("name", ["../etc", "a b", "", ".hidden"])
def test_bad_names_are_refused_before_running_anything(tmp_path: Path, name: str) -> None:
    run = Recorder()
    with pytest.raises(UserError):
        create_pathology_folders(tmp_path, "mipfed1", [name], "mipadmin", group="g", run=run)
    assert run.calls == []


def test_unknown_owner(tmp_path: Path) -> None:
    def no_user(argv: list[str]) -> Captured:
        return Captured(argv, 1, "", "id: 'ghost': no such user")

    with pytest.raises(UserError, match="user 'ghost' does not exist"):
        create_pathology_folders(tmp_path, "f", ["p"], "ghost", run=no_user)
