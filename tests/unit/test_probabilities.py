"""Output type `probabilities` (every class's probability) on the API, its OpenAPI document, /models and batch
scoring: the handler in-process, serving tests/fixtures/iris (randomForest, three classes).

The handler's own rules (the most probable label, the first of equals, NA as null) are checked with fixed
probabilities in place of R; the answers of the real model are checked against R's own predict()."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import example, model_json
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from r_reference import r_predict
from test_handler import random_records

Call = Callable[..., tuple[int, dict[str, str], Any]]
LABELS = ["setosa", "versicolor", "virginica"]
NAN = float("nan")


class FixedProbabilities:
    """Stands in for r_bridge.RModel: each row's probabilities looked up by its Petal.Length (the third input)."""

    ROWS: dict[float, list[float]] = {
        4.8: [0.0, 0.625, 0.375],  # the example
        1.4: [0.97, 0.02, 0.01],
        5.0: [0.1, 0.45, 0.45],  # a tie: the first of the two is the label
        6.0: [NAN, 0.5, 0.5],  # R's NA: null, and no label
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.size_bytes = 1000

    def predict(self, columns: list[list[Any]]) -> list[list[float]]:
        return [list(self.ROWS[value]) for value in columns[2]]


@pytest.fixture
def fixed(serve: Callable[..., ModuleType], monkeypatch: pytest.MonkeyPatch, iris_model: Path) -> ModuleType:
    import r_bridge

    monkeypatch.setattr(r_bridge, "RModel", FixedProbabilities)
    return serve(iris_model)


def record(petal_length: float) -> dict[str, float]:
    return {"Sepal.Length": 6.0, "Sepal.Width": 3.0, "Petal.Length": petal_length, "Petal.Width": 1.5}


def schema_validator(document: dict[str, Any], name: str) -> OAS30Validator:
    return OAS30Validator({"$ref": f"#/components/schemas/{name}", "components": document["components"]})


def test_the_answer_is_the_most_probable_label_and_every_probability(fixed: ModuleType, call: Call) -> None:
    status, _, body = call("POST", "/predict", {"instances": [record(4.8), record(1.4), record(5.0), record(6.0)]})
    assert status == 200, body
    assert body["predictions"] == [
        {"label": "versicolor", "probabilities": {"setosa": 0.0, "versicolor": 0.625, "virginica": 0.375}},
        {"label": "setosa", "probabilities": {"setosa": 0.97, "versicolor": 0.02, "virginica": 0.01}},
        {"label": "versicolor", "probabilities": {"setosa": 0.1, "versicolor": 0.45, "virginica": 0.45}},
        {"label": None, "probabilities": {"setosa": None, "versicolor": 0.5, "virginica": 0.5}},
    ]
    assert [list(p["probabilities"]) for p in body["predictions"]] == [LABELS] * 4  # labels order, as in model.json


def test_a_row_of_the_wrong_width_is_a_500_not_a_guess(
    fixed: ModuleType, call: Call, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(FixedProbabilities.ROWS, 3.0, [0.5, 0.5])
    status, _, body = call("POST", "/predict", record(3.0))
    assert status == 500
    assert body["error"]["code"] == "internal_error"


def test_openapi_describes_the_classes_and_the_real_answers(fixed: ModuleType, call: Call) -> None:
    document = call("GET", "/openapi.json")[2]
    validate(document)
    prediction = document["components"]["schemas"]["Prediction"]
    assert prediction["required"] == ["label", "probabilities"]
    assert prediction["properties"]["label"]["enum"] == [*LABELS, None]
    probabilities = prediction["properties"]["probabilities"]
    assert probabilities["required"] == LABELS
    assert probabilities["additionalProperties"] is False
    assert all(probabilities["properties"][label]["maximum"] == 1 for label in LABELS)
    assert "setosa, versicolor, virginica" in prediction["description"]

    answer = call("POST", "/predict", {"instances": [record(4.8), record(1.4), record(5.0), record(6.0)]})[2]
    schema_validator(document, "Predictions").validate(answer)
    one = schema_validator(document, "Prediction")
    good = answer["predictions"][0]
    assert one.is_valid(good)
    assert not one.is_valid({**good, "label": "rose"})
    assert not one.is_valid({**good, "probabilities": {"setosa": 0.5, "versicolor": 0.5}})
    assert not one.is_valid({**good, "probabilities": {**good["probabilities"], "rose": 0.0}})
    assert not one.is_valid({**good, "probabilities": {**good["probabilities"], "setosa": 1.5}})


def test_models_lists_the_output_type_and_classes(fixed: ModuleType, call: Call, iris_model: Path) -> None:
    status, _, body = call("GET", "/models")
    assert status == 200
    [entry] = body["models"]
    assert entry["output"] == {"name": "Species", "type": "probabilities", "labels": LABELS}
    assert entry["output"] == model_json(iris_model)["output"]


class FakeS3:
    """The two calls batch scoring's score step makes, on a dict."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803  (boto3's argument names)
        return {"Body": io.BytesIO(self.objects[Key])}

    def put_object(self, Bucket: str, Key: str, Body: bytes, **kwargs: Any) -> None:  # noqa: N803
        self.objects[Key] = Body


def test_batch_scoring_writes_the_label_and_one_column_per_class(
    fixed: ModuleType, monkeypatch: pytest.MonkeyPatch, iris_model: Path
) -> None:
    import batch_rows
    import batch_scoring

    header = ["id", "Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]
    rows = [["a", "6", "3", "1.4", "1.5"], ["b", "6", "3", "x", "1.5"], ["c", "6", "3", "6.0", "1.5"]]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, *rows])
    s3 = FakeS3({"chunk.csv": text.getvalue().encode()})
    monkeypatch.setattr(batch_scoring, "S3", s3)
    chunk = {"index": 0, "key": "chunk.csv", "part": "part.csv", "first_row": 0, "rows": 3}
    counts = batch_scoring.score({"bucket": "b", "chunk": chunk})
    assert counts == {"index": 0, "rows": 3, "scored": 2, "invalid": 1, "out_of_range": 0}

    classes = ["probability_setosa", "probability_versicolor", "probability_virginica"]
    assert batch_rows.output_header(header, model_json(iris_model)["output"]) == [*header, "label", *classes, "error"]
    part = list(csv.reader(io.StringIO(s3.objects["part.csv"].decode())))
    assert part[0] == [*rows[0], "setosa", "0.97", "0.02", "0.01", ""]
    assert part[1][:5] == rows[1]
    assert part[1][5:9] == ["", "", "", ""]
    assert "Petal.Length" in part[1][9]
    assert part[2] == [*rows[2], "", "", "0.5", "0.5", ""]  # NA: empty, as for the other output types


# The real model, predicted by R


@pytest.fixture
def iris_served(serve: Callable[..., ModuleType], iris_model: Path) -> ModuleType:
    return serve(iris_model)


def test_every_probability_equals_r(iris_served: ModuleType, call: Call, iris_model: Path) -> None:
    records = [example(iris_model), *random_records(model_json(iris_model), 60, seed=17)]
    status, _, body = call("POST", "/predict", {"instances": records})
    assert status == 200, body
    expected = r_predict(iris_model, records)
    got = [[p["probabilities"][label] for label in LABELS] for p in body["predictions"]]
    assert len(got) == len(expected) == len(records)
    for row, want in zip(got, expected, strict=True):
        assert row == pytest.approx(want, abs=1e-9)
    assert [p["label"] for p in body["predictions"]] == [LABELS[want.index(max(want))] for want in expected]
    assert len({p["label"] for p in body["predictions"]}) == 3, "the records should reach every class"
    assert all(math.fsum(row) == pytest.approx(1, abs=1e-6) for row in got)


def test_one_record_gets_every_probability(iris_served: ModuleType, call: Call, iris_model: Path) -> None:
    status, _, body = call("POST", "/predict", example(iris_model))
    assert status == 200, body
    [prediction] = body["predictions"]
    [expected] = r_predict(iris_model, [example(iris_model), example(iris_model)])[:1]
    assert [prediction["probabilities"][label] for label in LABELS] == pytest.approx(expected, abs=1e-9)
    assert prediction["label"] == "versicolor"
    document = call("GET", "/openapi.json")[2]
    schema_validator(document, "Predictions").validate(body)
