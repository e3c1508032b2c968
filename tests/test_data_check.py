"""Data check: the shared datasets pass; broken copies fail with file, rule and where."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from mipwizard.cli.main import main
from mipwizard.core.data import MAX_PER_RULE, Problem, check_data_root, check_pathology
from tests.conftest import SHARED_DATA

needs_data = pytest.mark.skipif(not (SHARED_DATA / "tbi").is_dir(), reason="shared datasets are absent")


def copy_pathology(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(SHARED_DATA / name, target, copy_function=shutil.copyfile)
    target.chmod(0o755)
    return target


def rewrite_csv(path: Path, edit) -> None:
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    rows = edit(rows)
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)


def edit_metadata(folder: Path, edit) -> None:
    path = folder / "CDEsMetadata.json"
    tree = json.loads(path.read_text())
    edit(tree)
    path.write_text(json.dumps(tree))


def only(problems: list[Problem], rule: str) -> Problem:
    found = [p for p in problems if p.rule == rule]
    assert found, f"no {rule} in {[p.rule for p in problems]}"
    return found[0]


@pytest.fixture
def tbi(tmp_path: Path) -> Path:
    return copy_pathology("tbi", tmp_path / "mipfed1")


# ------------------------------------------------------------------ the real data


@needs_data
def test_shared_datasets_pass() -> None:
    report = check_data_root(SHARED_DATA)
    assert report.ok, [p.location() + " " + p.message for p in report.problems]
    names = {p.name: p for p in report.pathologies}
    assert set(names) == {"dementia", "tbi"}
    assert names["dementia"].datasets == ["desd-synthdata", "edsd", "ppmi"]
    assert sum(f.rows for f in names["dementia"].csvs) == 2188
    assert names["tbi"].version == "0.1"


@needs_data
def test_cli_exit_zero_on_shared_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "check", str(SHARED_DATA)]) == 0
    out = capsys.readouterr().out
    assert "0 errors" in out and "valid" in out


# ------------------------------------------------------------------ broken CSVs


@needs_data
def test_extra_column(tbi: Path) -> None:
    rewrite_csv(tbi / "dummy_tbi.csv", lambda rows: [[*rows[0], "shoe_size"]] + [[*r, "42"] for r in rows[1:]])
    problem = only(check_pathology(tbi).problems, "csv-unknown-column")
    assert problem.file == tbi / "dummy_tbi.csv"
    assert (problem.row, problem.column) == (1, "shoe_size")
    assert "CDEsMetadata.json" in problem.message


@needs_data
def test_misspelt_column_suggests_the_right_one(tbi: Path) -> None:
    def misspell(rows: list[list[str]]) -> list[list[str]]:
        return [[c.replace("gender_type", "gendre_type") for c in rows[0]], *rows[1:]]

    rewrite_csv(tbi / "dummy_tbi.csv", misspell)
    problem = only(check_pathology(tbi).problems, "csv-unknown-column")
    assert "did you mean gender_type" in problem.message


@needs_data
def test_missing_dataset_column(tbi: Path) -> None:
    def drop_dataset(rows: list[list[str]]) -> list[list[str]]:
        index = rows[0].index("dataset")
        return [r[:index] + r[index + 1 :] for r in rows]

    rewrite_csv(tbi / "dummy_tbi.csv", drop_dataset)
    problem = only(check_pathology(tbi).problems, "csv-no-dataset-column")
    assert problem.file.name == "dummy_tbi.csv" and problem.row == 1


@needs_data
def test_value_outside_enumeration(tbi: Path) -> None:
    def bad_gender(rows: list[list[str]]) -> list[list[str]]:
        rows[5][rows[0].index("gender_type")] = "X"
        return rows

    rewrite_csv(tbi / "dummy_tbi.csv", bad_gender)
    problem = only(check_pathology(tbi).problems, "value-not-in-enumeration")
    assert (problem.row, problem.column) == (6, "gender_type")
    assert "'X'" in problem.message and "F, M" in problem.message


@needs_data
def test_text_in_real_column(tbi: Path) -> None:
    def text(rows: list[list[str]]) -> list[list[str]]:
        rows[3][rows[0].index("mortality_core")] = "high"
        return rows

    rewrite_csv(tbi / "dummy_tbi.csv", text)
    problem = only(check_pathology(tbi).problems, "value-not-numeric")
    assert (problem.file.name, problem.row, problem.column) == ("dummy_tbi.csv", 4, "mortality_core")


@needs_data
def test_int_column_rules(tbi: Path) -> None:
    def ages(rows: list[list[str]]) -> list[list[str]]:
        column = rows[0].index("age_value")
        rows[2][column] = "31.5"
        rows[3][column] = "200"
        rows[4][column] = ""  # missing is allowed
        return rows

    rewrite_csv(tbi / "dummy_tbi.csv", ages)
    problems = check_pathology(tbi).problems
    assert only(problems, "value-not-integer").row == 3
    out_of_range = only(problems, "value-out-of-range")
    assert out_of_range.row == 4 and "between 0 and 130" in out_of_range.message
    assert len(problems) == 2


@needs_data
def test_problems_are_capped_per_rule(tbi: Path) -> None:
    def all_bad(rows: list[list[str]]) -> list[list[str]]:
        column = rows[0].index("gender_type")
        for row in rows[1:]:
            row[column] = "?"
        return rows

    rewrite_csv(tbi / "dummy_tbi.csv", all_bad)
    csv_report = check_pathology(tbi).csvs[0]
    assert len(csv_report.problems) == MAX_PER_RULE
    assert csv_report.suppressed == {"value-not-in-enumeration": 99 - MAX_PER_RULE}
    assert csv_report.errors == 99


@needs_data
def test_row_length_blank_lines_and_bom(tbi: Path) -> None:
    path = tbi / "dummy_tbi.csv"
    lines = path.read_text().splitlines()
    lines[2] += ",extra"
    lines.insert(4, "")
    path.write_text("\ufeff" + "\n".join(lines) + "\n")
    report = check_pathology(tbi).csvs[0]
    assert [(p.rule, p.row) for p in report.problems] == [("csv-row-length", 3)]
    assert report.rows == 99


@needs_data
def test_empty_required_dataset_value(tbi: Path) -> None:
    def blank(rows: list[list[str]]) -> list[list[str]]:
        rows[7][rows[0].index("dataset")] = ""
        return rows

    rewrite_csv(tbi / "dummy_tbi.csv", blank)
    problem = only(check_pathology(tbi).problems, "value-missing-required")
    assert (problem.row, problem.column) == (8, "dataset")


def test_csv_without_header(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "CDEsMetadata.json").write_text(
        json.dumps({"version": "1", "variables": [{"code": "dataset", "isCategorical": True,
                    "sql_type": "text", "type": "nominal", "enumerations": [{"code": "a", "label": "A"}]}]})
    )
    (folder / "empty.csv").write_text("")
    assert only(check_pathology(folder).problems, "csv-no-header").row == 1


# ------------------------------------------------------------------ broken metadata


@needs_data
def test_metadata_without_dataset_cde(tbi: Path) -> None:
    edit_metadata(tbi, lambda tree: tree["variables"].pop(0))
    problems = check_pathology(tbi).problems
    problem = only(problems, "metadata-no-dataset-cde")
    assert problem.file == tbi / "CDEsMetadata.json"
    # the CSV's dataset column is now unknown too
    assert only(problems, "csv-unknown-column").column == "dataset"


@needs_data
def test_metadata_without_version(tbi: Path) -> None:
    edit_metadata(tbi, lambda tree: tree.pop("version"))
    problem = only(check_pathology(tbi).problems, "metadata-no-version")
    assert problem.file.name == "CDEsMetadata.json" and '"version"' in problem.message


@needs_data
def test_missing_metadata(tbi: Path) -> None:
    (tbi / "CDEsMetadata.json").unlink()
    report = check_pathology(tbi)
    assert [p.rule for p in report.problems] == ["metadata-missing"]
    assert report.problems[0].file == tbi / "CDEsMetadata.json"


@needs_data
def test_invalid_json(tbi: Path) -> None:
    (tbi / "CDEsMetadata.json").write_text('{"version": "1",\n  "variables": [}\n')
    problem = only(check_pathology(tbi).problems, "metadata-invalid-json")
    assert problem.row == 2


@needs_data
def test_variable_field_missing_and_bad_sql_type(tbi: Path) -> None:
    def damage(tree: dict) -> None:
        group = tree["groups"][0]["variables"]
        del group[0]["sql_type"]
        group[1]["sql_type"] = "VARCHAR"

    edit_metadata(tbi, damage)
    problems = check_pathology(tbi).problems
    assert only(problems, "metadata-variable-field-missing").column == "age_value"
    assert only(problems, "metadata-bad-sql-type").column == "gender_type"


@needs_data
def test_sql_type_is_case_insensitive(tbi: Path) -> None:
    def upper(tree: dict) -> None:
        for variable in tree["groups"][0]["variables"]:
            variable["sql_type"] = variable["sql_type"].upper()

    edit_metadata(tbi, upper)
    assert check_pathology(tbi).ok


@needs_data
def test_categorical_without_enumerations(tbi: Path) -> None:
    edit_metadata(tbi, lambda tree: tree["groups"][0]["variables"][1].pop("enumerations"))
    assert only(check_pathology(tbi).problems, "metadata-no-enumerations").column == "gender_type"


@needs_data
def test_longitudinal_needs_subject_and_visit(tbi: Path) -> None:
    edit_metadata(tbi, lambda tree: tree.update(longitudinal=True))
    problems = check_pathology(tbi).problems
    only(problems, "longitudinal-missing-subjectid")
    only(problems, "longitudinal-missing-visitid")
    assert only(problems, "longitudinal-missing-column").file.name == "dummy_tbi.csv"


# ------------------------------------------------------------------ layout and CLI


@needs_data
def test_federation_layout(tmp_path: Path) -> None:
    copy_pathology("tbi", tmp_path / "mipfed1")
    (tmp_path / "mipfed1" / "epilepsy").mkdir()
    by_federation = check_data_root(tmp_path, "mipfed1")
    assert [p.name for p in by_federation.pathologies] == ["epilepsy", "tbi"]
    assert by_federation.ok  # an empty pathology folder is only a warning
    assert only(by_federation.problems, "pathology-empty").severity == "warning"
    found = check_data_root(tmp_path)
    assert [p.name for p in found.pathologies] == ["epilepsy", "tbi"]
    assert not check_data_root(tmp_path, "otherfed").ok


@needs_data
def test_cli_reports_file_row_column_rule(tbi: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def bad(rows: list[list[str]]) -> list[list[str]]:
        rows[5][rows[0].index("gender_type")] = "X"
        return rows

    rewrite_csv(tbi / "dummy_tbi.csv", bad)
    assert main(["data", "check", str(tbi.parent.parent), "--federation", "mipfed1"]) == 1
    out = capsys.readouterr().out
    assert f"{tbi / 'dummy_tbi.csv'}:6:gender_type: value-not-in-enumeration — 'X' is not" in out
    assert "1 error," in out
    assert main(["data", "check", str(tbi), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    problem = data["pathologies"][0]["files"][1]["problems"][0]
    assert (problem["rule"], problem["row"], problem["column"]) == ("value-not-in-enumeration", 6, "gender_type")


def test_cli_usage_error_for_missing_root(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "check", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


# ------------------------------------------------------------------ upstream (mipdb) rules


def make_longitudinal(tbi: Path) -> None:
    def add_ids(tree: dict) -> None:
        tree["longitudinal"] = True
        tree["variables"] += [
            {"code": "subjectid", "label": "Subject", "isCategorical": False, "sql_type": "text", "type": "text"},
            {"code": "visitid", "label": "Visit", "isCategorical": True, "sql_type": "text", "type": "nominal",
             "enumerations": [{"code": "BL", "label": "Baseline"}, {"code": "FL1", "label": "Follow-up 1"}]},
        ]

    edit_metadata(tbi, add_ids)

    def add_columns(rows: list[list[str]]) -> list[list[str]]:
        body = [[*r, f"s{i // 2}", "BL" if i % 2 == 0 else "FL1"] for i, r in enumerate(rows[1:])]
        return [[*rows[0], "subjectid", "visitid"], *body]

    rewrite_csv(tbi / "dummy_tbi.csv", add_columns)


@needs_data
def test_longitudinal_pathology_passes_with_lowercase_ids(tbi: Path) -> None:
    make_longitudinal(tbi)
    report = check_pathology(tbi)
    assert report.ok, [(p.rule, p.message) for p in report.problems]
    assert report.longitudinal


@needs_data
def test_longitudinal_duplicate_and_empty_visit(tbi: Path) -> None:
    make_longitudinal(tbi)

    def damage(rows: list[list[str]]) -> list[list[str]]:
        rows[2][-1] = "BL"  # s0 now has BL twice (lines 2 and 3)
        rows[5][-1] = ""  # empty visit
        return rows

    rewrite_csv(tbi / "dummy_tbi.csv", damage)
    problems = check_pathology(tbi).problems
    assert only(problems, "longitudinal-duplicate-visit").row == 3
    missing = only(problems, "value-missing-required")
    assert (missing.row, missing.column) == (6, "visitid")


@needs_data
def test_upstream_metadata_rules(tbi: Path) -> None:
    def damage(tree: dict) -> None:
        tree["longitudinal"] = "yes"
        tree["variables"][0]["isCategorical"] = False  # the dataset CDE
        tree["groups"][0]["variables"][0]["code"] = "age value"
        group = tree["groups"][0]["variables"][0]
        group["minValue"], group["maxValue"] = 10, 10

    edit_metadata(tbi, damage)
    rules = {p.rule for p in check_pathology(tbi).problems}
    expected = {"metadata-bad-longitudinal", "metadata-bad-dataset-cde", "metadata-bad-code", "metadata-bad-min-max"}
    assert expected <= rules


@needs_data
def test_semicolon_file_and_spreadsheets_get_hints(tbi: Path) -> None:
    path = tbi / "dummy_tbi.csv"
    path.write_text(path.read_text().replace(",", ";"))
    (tbi / "more.xlsx").write_bytes(b"PK")
    problems = check_pathology(tbi).problems
    assert "another separator" in only(problems, "csv-unknown-column").message
    spreadsheet = only(problems, "pathology-file-not-imported")
    assert spreadsheet.file.name == "more.xlsx" and spreadsheet.severity == "warning"
