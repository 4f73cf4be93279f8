"""Lambda entry point (handler.lambda_handler): a fitted R model served as a JSON prediction API.

R starts and the model loads at import (the init phase), so the first request only predicts."""

import time
import traceback
from collections.abc import Callable
from typing import Any

import openapi
import routing
from init_phases import PHASES_MS, phase, process_age_ms
from logs import log, request_id
from model_store import LoadedModel, ModelStore, ModelUnavailable
from responses import ApiError, error_response, finite, json_response
from settings import env_number

STORE = ModelStore.from_env()
STORE.prefetch()  # the S3 client and the model's reads run in a thread while R starts

with phase("r_start"):
    from r_bridge import RError  # noqa: E402  (imports rpy2 and starts R, once per execution environment)

STORE.refresh()
log(
    "info",
    "init",
    phases_ms=PHASES_MS,
    process_age_ms=process_age_ms(),  # the runtime's start plus all of the above
)


def reset_model_store() -> ModelStore:
    """Forget the model and re-read MODEL_URI/MODEL_REFRESH_SECONDS (a new execution environment, minus R)."""
    global STORE
    STORE = ModelStore.from_env()
    STORE.refresh()
    return STORE


def max_batch_rows() -> int:
    return int(env_number("MAX_BATCH_ROWS", 1000, minimum=1))


def _model() -> LoadedModel:
    try:
        return STORE.current()
    except ModelUnavailable as unavailable:
        raise ApiError(503, "model_unavailable", str(unavailable), STORE.last_error) from None


def _prediction(output: dict[str, Any], value: Any) -> dict[str, Any]:
    if output["type"] == "probability":
        probability = finite(value)
        labels = output["labels"]
        label = None if probability is None else labels[1] if probability >= output["threshold"] else labels[0]
        return {"probability": probability, "label": label}
    if output["type"] == "class":
        return {"label": value}
    return {"value": finite(value)}


def predict_body(payload: Any) -> dict[str, Any]:
    model = _model()
    rows = model.schema.rows(payload, max_batch_rows())
    try:
        values = model.r_model.predict(rows.columns)
    except RError as error:
        log("error", "predict() failed", r_error=str(error), model=model.ref, rows=rows.count)
        raise ApiError(500, "prediction_failed", "the model could not predict these records; see the logs") from None
    output = model.meta["output"]
    return {
        "predictions": [_prediction(output, value) for value in values],
        "model": model.ref,
        "warnings": rows.warnings,
    }


def _health() -> dict[str, Any]:
    try:
        STORE.current()
    except ModelUnavailable as unavailable:
        body = STORE.health()
        body["error"] = {"code": "model_unavailable", "message": str(unavailable), "details": STORE.last_error}
        return json_response(503, body)
    return json_response(200, STORE.health())


def _predict_response(request: routing.Request, event: Any) -> dict[str, Any]:
    body = predict_body(routing.json_body(request, event))
    return json_response(200, body, {"X-Model-Version": body["model"]["version"]})


def _health_response(request: routing.Request, event: Any) -> dict[str, Any]:
    return _health()


def _metadata_response(request: routing.Request, event: Any) -> dict[str, Any]:
    return json_response(200, _model().meta)


def _openapi_response(request: routing.Request, event: Any) -> dict[str, Any]:
    return json_response(200, openapi.document(_model().meta, max_batch_rows()))


ROUTES: dict[str, dict[str, Callable[[routing.Request, Any], dict[str, Any]]]] = {
    "/predict": {"POST": _predict_response},
    "/health": {"GET": _health_response},
    "/metadata": {"GET": _metadata_response},
    "/openapi.json": {"GET": _openapi_response},
}


def _route(request: routing.Request, event: Any) -> dict[str, Any]:
    methods = ROUTES.get(request.path)
    if methods is None:
        known = ", ".join(f"{method} {path}" for path, by_method in ROUTES.items() for method in by_method)
        raise ApiError(404, "not_found", f"no route {request.method} {request.path}; the routes are {known}")
    if request.method == "OPTIONS":
        return json_response(200, {})
    if request.method not in methods:
        allowed = ", ".join([*methods, "OPTIONS"])
        raise ApiError(
            405,
            "method_not_allowed",
            f"{request.path} accepts {allowed}, not {request.method}",
            headers={"Allow": allowed},
        )
    return methods[request.method](request, event)


def _handle(request: routing.Request, event: Any) -> tuple[int, dict[str, Any]]:
    try:
        if not request.via_http:
            return 200, predict_body(event)  # a direct invoke gets the body POST /predict would
        response = _route(request, event)
        return int(response["statusCode"]), response
    except ApiError as api_error:
        error = api_error
    except Exception:  # the client gets a request id, never a stack trace
        log("error", "unhandled error", traceback=traceback.format_exc())
        error = ApiError(500, "internal_error", f"internal error; quote request id {request_id.get()}")
    return error.status, error_response(error) if request.via_http else error.body()


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    started = time.perf_counter()
    token = request_id.set(getattr(context, "aws_request_id", None))
    try:
        request = routing.from_event(event)
        status, response = _handle(request, event)
        elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
        log(
            "info",
            "request",
            method=request.method,
            path=request.path,
            status=status,
            direct=not request.via_http,
            ms=elapsed_ms,
        )
        return response
    finally:
        request_id.reset(token)
