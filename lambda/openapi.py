"""The OpenAPI 3.0 document of the API, generated from model.json."""

from typing import Any

from validation import FLOAT_MAX, INTEGER_PATTERN, MAX_DETAILS, NUMBER_MAX_LENGTH, NUMBER_PATTERN, R_INT_MAX

_OUTPUT_SCHEMAS: dict[str, dict[str, Any]] = {
    "probability": {
        "type": "object",
        "required": ["probability", "label"],
        "properties": {"probability": {"type": "number", "minimum": 0, "maximum": 1}, "label": {"type": "string"}},
    },
    "class": {"type": "object", "required": ["label"], "properties": {"label": {"type": "string"}}},
    "number": {"type": "object", "required": ["value"], "properties": {"value": {"type": "number", "nullable": True}}},
}


def _prediction_schema(output: dict[str, Any]) -> dict[str, Any]:
    if output["type"] != "probabilities":
        return _OUTPUT_SCHEMAS[output["type"]]
    labels = list(output["labels"])
    # null only where R gave NA/NaN for a row (JSON has none): that probability and the label are null.
    probability = {"type": "number", "minimum": 0, "maximum": 1, "nullable": True}
    return {
        "type": "object",
        "required": ["label", "probabilities"],
        "description": (
            f"{output['name']}: the most probable of the {len(labels)} classes {', '.join(labels)} "
            "(the first of equals) as label, and every class's probability (they sum to 1)"
        ),
        "properties": {
            "label": {"type": "string", "enum": [*labels, None], "nullable": True},
            "probabilities": {
                "type": "object",
                "additionalProperties": False,
                "required": labels,
                "properties": {label: {**probability, "description": f"P({label})"} for label in labels},
            },
        },
    }


def _input_schema(spec: dict[str, Any]) -> dict[str, Any]:
    kind = spec["type"]
    if kind == "factor":
        schema: dict[str, Any] = {"type": "string", "enum": list(spec["levels"])}
    elif kind == "logical":
        schema = {"type": "boolean"}
    else:
        if kind == "numeric":
            number: dict[str, Any] = {"type": "number", "minimum": -FLOAT_MAX, "maximum": FLOAT_MAX}
            text: dict[str, Any] = {"type": "string", "pattern": NUMBER_PATTERN, "maxLength": NUMBER_MAX_LENGTH}
        else:
            number = {"type": "integer", "minimum": -R_INT_MAX, "maximum": R_INT_MAX}
            text = {"type": "string", "pattern": INTEGER_PATTERN}
        schema = {"oneOf": [number, text]}
    description = f"{kind}"
    if "min" in spec and "max" in spec:
        description += (
            f"; training data range {spec['min']:g} to {spec['max']:g}"
            " (values outside are served with a warning); numeric strings are accepted"
        )
    return {**schema, "description": description, "example": spec["example"]}


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": _REQUEST_ID_HEADER,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


# Every answer carries the invocation's id: quote it in a support request, or send ground truth for it (make truth).
_REQUEST_ID_HEADER = {
    "X-Request-Id": {
        "description": "the request id; the same as the body's request_id on predictions",
        "schema": {"type": "string"},
    }
}


def _json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": description,
        "headers": _REQUEST_ID_HEADER,
        "content": {"application/json": {"schema": schema}},
    }


def document(meta: dict[str, Any], max_rows: int, prefix: str = "") -> dict[str, Any]:
    """The document of one model; prefix "/models/<name>" for its named routes, "" for the default's."""
    inputs = meta["inputs"]
    example = {spec["name"]: spec["example"] for spec in inputs}
    output = meta["output"]
    record = {
        "type": "object",
        "additionalProperties": False,
        "required": [spec["name"] for spec in inputs],
        "properties": {spec["name"]: _input_schema(spec) for spec in inputs},
        "example": example,
    }
    batch = {
        "type": "object",
        "additionalProperties": False,
        "required": ["instances"],
        "properties": {
            "instances": {
                "type": "array",
                "minItems": 1,
                "maxItems": max_rows,
                "items": {"$ref": "#/components/schemas/Record"},
            }
        },
        "example": {"instances": [example]},
    }
    records = {
        "type": "array",
        "description": "a batch as a top-level array of records (R: jsonlite::toJSON(data_frame))",
        "minItems": 1,
        "maxItems": max_rows,
        "items": {"$ref": "#/components/schemas/Record"},
        "example": [example],
    }
    detail = {
        "type": "object",
        "required": ["field", "reason", "message"],
        "properties": {
            "field": {"type": "string"},
            "row": {"type": "integer", "description": "index in instances (batches only)"},
            "reason": {"type": "string"},
            "message": {"type": "string"},
        },
    }
    predictions = {
        "type": "object",
        "required": ["predictions", "model", "request_id", "warnings"],
        "properties": {
            "predictions": {"type": "array", "items": {"$ref": "#/components/schemas/Prediction"}},
            "model": {"$ref": "#/components/schemas/ModelRef"},
            "request_id": {
                "type": "string",
                "description": "this request's id: send ground truth for it later as request_id,<output> (make truth)",
            },
            "warnings": {
                "type": "array",
                "maxItems": MAX_DETAILS,
                "items": {"$ref": "#/components/schemas/Detail"},
            },
            "warnings_left_out": {"type": "integer", "minimum": 1, "description": "warnings beyond the first ones"},
        },
    }
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {"nullable": True},
                },
            }
        },
    }
    model_ref = {
        "type": "object",
        "required": ["name", "version"],
        "properties": {"name": {"type": "string"}, "version": {"type": "string"}},
    }
    unit = f" in {output['unit']}" if output.get("unit") else ""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"{meta['name']} prediction API",
            "version": meta["version"],
            "description": (
                f"Predicts {output['name']}{unit} ({meta['task']}) with the R model {meta['name']} "
                f"version {meta['version']}, trained {meta.get('trained_at')}."
            ),
        },
        "paths": {
            f"{prefix}/predict": {
                "post": {
                    "operationId": "predict",
                    "summary": f"Predict {output['name']} for one record or a batch of up to {max_rows}",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/Record"},
                                        {"$ref": "#/components/schemas/Batch"},
                                        {"$ref": "#/components/schemas/Records"},
                                    ]
                                },
                                "example": example,
                            }
                        },
                    },
                    "responses": {
                        "200": _json_response(
                            "predictions in input order", {"$ref": "#/components/schemas/Predictions"}
                        ),
                        "400": _error_response("malformed JSON, not a record or a batch, or an empty batch"),
                        "413": _error_response(f"more than {max_rows} instances"),
                        "422": _error_response("invalid fields; details name each one"),
                        "503": _error_response("no model can be loaded"),
                    },
                }
            },
            f"{prefix}/metadata": {
                "get": {
                    "operationId": "metadata",
                    "summary": "The model's model.json",
                    "responses": {
                        "200": _json_response("model.json", {"type": "object"}),
                        "503": _error_response("no model can be loaded"),
                    },
                }
            },
            f"{prefix}/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": _json_response("OpenAPI 3 document", {"type": "object"}),
                        "503": _error_response("no model can be loaded"),
                    },
                }
            },
            f"{prefix}/monitoring": {
                "get": {
                    "operationId": "monitoring",
                    "summary": "The monitor's latest report: traffic, input and prediction drift, quality per version",
                    "responses": {
                        "200": _json_response(
                            "the report make monitor and the monitor's schedule write", {"type": "object"}
                        ),
                        "404": _error_response("monitoring is off, or the monitor has not run for this model yet"),
                        "503": _error_response("no model can be loaded"),
                    },
                }
            },
            **({} if prefix else _SERVICE_PATHS),
        },
        "components": {
            "schemas": {
                "Record": record,
                "Batch": batch,
                "Records": records,
                "Prediction": _prediction_schema(output),
                "Predictions": predictions,
                "Detail": detail,
                "ModelRef": model_ref,
                "Error": error,
            }
        },
    }


# Routes of the service rather than of one model: only in the default model's document.
_SERVICE_PATHS: dict[str, Any] = {
    "/health": {
        "get": {
            "operationId": "health",
            "summary": "Whether a model is loaded, which one, the last failed load if any, and every model's status",
            "responses": {
                "200": _json_response("a model is serving", {"type": "object"}),
                "503": _error_response("no model can be loaded"),
            },
        }
    },
    "/models": {
        "get": {
            "operationId": "models",
            "summary": "Every published model: name, version, task, output, trained_at, whether it is loaded",
            "responses": {"200": _json_response("the models and the default's name", {"type": "object"})},
        }
    },
}
