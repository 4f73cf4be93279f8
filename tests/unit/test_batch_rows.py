"""Batch scoring's row rules and execution names, without R or AWS."""

from __future__ import annotations

import re
from typing import Any

import pytest
from batch_rows import BadFile, RowParser, check_header, output_header, prediction_fields
from batch_start import execution_input, execution_name

INPUTS: list[dict[str, Any]] = [
    {"name": "gre", "type": "numeric", "min": 220, "max": 800},
    {"name": "rank", "type": "factor", "levels": ["1", "2", "3", "4"]},
    {"name": "n", "type": "integer"},
    {"name": "flag", "type": "logical"},
]
PROBABILITY = {"type": "probability", "threshold": 0.5, "labels": ["no", "yes"]}
PROBABILITIES = {"type": "probabilities", "labels": ["setosa", "versicolor", "virginica"]}


def test_header_must_name_every_input() -> None:
    with pytest.raises(BadFile, match=r"lacks the model's input\(s\) rank, flag; it has gre, n, x"):
        check_header(["gre", "n", "x"], INPUTS, PROBABILITY)


def test_header_may_not_repeat_a_name_or_hold_output_columns() -> None:
    with pytest.raises(BadFile, match="names gre more than once"):
        check_header(["gre", "rank", "n", "flag", "gre"], INPUTS, PROBABILITY)
    with pytest.raises(BadFile, match="already has probability, error"):
        check_header(["gre", "rank", "n", "flag", "probability", "error"], INPUTS, PROBABILITY)


def test_header_may_not_hold_a_class_probability_column() -> None:
    with pytest.raises(BadFile, match="already has probability_virginica, which the output adds"):
        check_header(["gre", "rank", "n", "flag", "probability_virginica"], INPUTS, PROBABILITIES)
    assert check_header(["gre", "rank", "n", "flag", "probability"], INPUTS, PROBABILITIES)[-1] == "probability"


def test_header_names_are_trimmed_and_extra_columns_kept() -> None:
    assert check_header([" id", "gre ", "rank", "n", "flag"], INPUTS, PROBABILITY) == ["id", "gre", "rank", "n", "flag"]


@pytest.mark.parametrize(
    ("output", "columns"),
    [
        (PROBABILITY, ["probability", "label"]),
        ({"type": "class"}, ["label"]),
        ({"type": "number"}, ["value"]),
        (PROBABILITIES, ["label", "probability_setosa", "probability_versicolor", "probability_virginica"]),
    ],
)
def test_output_header_adds_the_prediction_columns_and_error(output: dict[str, Any], columns: list[str]) -> None:
    assert output_header(["id", "gre"], output) == ["id", "gre", *columns, "error"]


def test_rows_become_typed_columns_and_bad_rows_errors() -> None:
    parser = RowParser(["id", "gre", "rank", "n", "flag"], INPUTS)
    chunk = parser.parse(
        [
            ["a", "800", "1", "3", "TRUE"],
            ["b", " 900 ", "4", "-2", "false"],  # 900 is outside the training range: scored, counted
            ["c", "", "2", "1", "TRUE"],
            ["d", "700", "5", "1.5", "maybe"],
            ["e", "700", "1"],
        ]
    )
    assert chunk.valid_rows == [0, 1]
    assert chunk.columns == [[800.0, 900.0], [1, 4], [3, -2], [True, False]]
    assert chunk.out_of_range == 1
    assert chunk.errors[:2] == [None, None]
    assert chunk.errors[2] == "gre is empty; give a number"
    assert chunk.errors[3] is not None
    assert "rank must be one of ['1', '2', '3', '4'], got '5'" in chunk.errors[3]
    assert "n must be a whole number" in chunk.errors[3]
    assert "flag must be true or false" in chunk.errors[3]
    assert chunk.errors[4] == "the row has 3 fields, the header 5"


def test_prediction_fields_keep_every_digit() -> None:
    fields = prediction_fields({"probability": 0.1 + 0.2, "label": "yes"}, ["probability", "label"])
    assert fields == ["0.30000000000000004", "yes"]
    assert float(fields[0]) == 0.1 + 0.2
    assert prediction_fields({"value": None}, ["value"]) == [""]


def test_prediction_fields_put_every_class_probability_in_its_column() -> None:
    columns = ["label", "probability_setosa", "probability_versicolor", "probability_virginica"]
    prediction = {"label": "virginica", "probabilities": {"setosa": 1e-300, "versicolor": 0.1 + 0.2, "virginica": 0.7}}
    assert prediction_fields(prediction, columns) == ["virginica", "1e-300", "0.30000000000000004", "0.7"]
    # The columns come from model.json's labels; the order of the answer's keys does not matter.
    shuffled = {"label": "virginica", "probabilities": {"virginica": 0.7, "setosa": 0.0, "versicolor": 0.3}}
    assert prediction_fields(shuffled, columns) == ["virginica", "0.0", "0.3", "0.7"]
    missing = {"label": None, "probabilities": {"setosa": None, "versicolor": 0.5, "virginica": 0.5}}
    assert prediction_fields(missing, columns) == ["", "", "0.5", "0.5"]


def test_execution_name_follows_the_object_version() -> None:
    name = execution_name("in/applicants.csv", "v1")
    assert name == execution_name("in/applicants.csv", "v1")
    assert name.startswith("applicants-")
    assert name != execution_name("in/applicants.csv", "v2")
    assert name != execution_name("in/other/applicants.csv", "v1")


def test_execution_name_is_valid_for_any_key() -> None:
    for key in ["in/" + "x" * 300 + ".csv", "in/naïve file (1).csv", "in/.csv", "in/a/b/c d+e.csv"]:
        name = execution_name(key, "etag")
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,80}", name), name


def test_execution_input_strips_the_etag_quotes() -> None:
    assert execution_input("b", "in/x.csv", None, '"abc"') == {
        "bucket": "b",
        "key": "in/x.csv",
        "version_id": None,
        "etag": "abc",
    }
