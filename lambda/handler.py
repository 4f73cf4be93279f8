"""Lambda entry point (handler.lambda_handler): a fitted R model served as a JSON prediction API.

R starts and the model loads at import (the init phase), so the first request only predicts."""

import time
import traceback
from collections.abc import Callable
from typing import Any

import capture
import monitoring_route
import openapi
import routing
from init_phases import PHASES_MS, phase, process_age_ms
from logs import log, request_id
from model_set import ModelSet
from model_store import MODEL_NAME, LoadedModel, ModelUnavailable, UnknownModel
from responses import ApiError, error_response, finite, json_response
from settings import env_number

STORE = ModelSet.from_env()
STORE.prefetch()  # the default model's S3 reads run in a thread while R starts

with phase("r_start"):
    from r_bridge import RError  # noqa: E402  (imports rpy2 and starts R, once per execution environment)

STORE.refresh()
log(
    "info",
    "init",
    phases_ms=PHASES_MS,
    process_age_ms=process_age_ms(),  # the runtime's start plus all of the above
)


def reset_model_store() -> ModelSet:
    """Forget the models and re-read the settings (a new execution environment, minus R)."""
    global STORE
    STORE = ModelSet.from_env()
    STORE.refresh()
    return STORE


def max_batch_rows() -> int:
    return int(env_number("MAX_BATCH_ROWS", 1000, minimum=1))


def _model(name: str | None = None) -> LoadedModel:
    """The model to serve: by name, or the default (MODEL_URI) for the unprefixed routes and direct invokes."""
    try:
        return STORE.current(name)
    except UnknownModel as unknown:
        raise ApiError(
            404,
            "unknown_model",
            f"no model named {unknown.name!r}; the models are {', '.join(unknown.known) or 'none yet'} (GET /models)",
            {"known": unknown.known},
        ) from None
    except ModelUnavailable as unavailable:
        raise ApiError(503, "model_unavailable", str(unavailable), STORE.store(name).last_error) from None


def _most_probable(probabilities: dict[str, Any]) -> str | None:
    """The class of the highest probability, the first of equals (max keeps the first); None when one is missing."""
    if any(probability is None for probability in probabilities.values()):
        return None
    return max(probabilities, key=probabilities.__getitem__)


def _prediction(output: dict[str, Any], value: Any) -> dict[str, Any]:
    if output["type"] == "probabilities":
        # One probability per class, in labels order (r_bridge); strict: a short row is a bug, not a guess.
        probabilities = {label: finite(p) for label, p in zip(output["labels"], value, strict=True)}
        return {"label": _most_probable(probabilities), "probabilities": probabilities}
    if output["type"] == "probability":
        probability = finite(value)
        labels = output["labels"]
        label = None if probability is None else labels[1] if probability >= output["threshold"] else labels[0]
        return {"probability": probability, "label": label}
    if output["type"] == "class":
        return {"label": value}
    return {"value": finite(value)}


def predict_body(payload: Any, name: str | None = None) -> dict[str, Any]:
    model = _model(name)
    capture.begin(model.ref)
    rows = model.schema.rows(payload, max_batch_rows())
    try:
        values = model.r_model.predict(rows.columns)
    except RError as error:
        log("error", "predict() failed", r_error=str(error), model=model.ref, rows=rows.count)
        raise ApiError(500, "prediction_failed", "the model could not predict these records; see the logs") from None
    output = model.meta["output"]
    body: dict[str, Any] = {
        "predictions": [_prediction(output, value) for value in values],
        "model": model.ref,
        "request_id": request_id.get(),  # the key for ground truth sent later (make truth)
        "warnings": rows.warnings,
    }
    if rows.warnings_left_out:
        body["warnings_left_out"] = rows.warnings_left_out
    warnings = len(rows.warnings) + rows.warnings_left_out
    capture.predicted(model.schema.inputs, rows.columns, rows.count, body["predictions"], warnings)
    return body


def _health() -> dict[str, Any]:
    try:
        STORE.current()
    except ModelUnavailable as unavailable:
        body = STORE.health()
        details = STORE.store().last_error
        body["error"] = {"code": "model_unavailable", "message": str(unavailable), "details": details}
        return json_response(503, body)
    return json_response(200, STORE.health())


Handler = Callable[[routing.Request, Any, str | None], dict[str, Any]]


def _predict_response(request: routing.Request, event: Any, name: str | None) -> dict[str, Any]:
    body = predict_body(routing.json_body(request, event), name)
    return json_response(200, body, {"X-Model-Version": body["model"]["version"]})


def _health_response(request: routing.Request, event: Any, name: str | None) -> dict[str, Any]:
    return _health()


def _metadata_response(request: routing.Request, event: Any, name: str | None) -> dict[str, Any]:
    return json_response(200, _model(name).meta)


def _openapi_response(request: routing.Request, event: Any, name: str | None) -> dict[str, Any]:
    prefix = f"/models/{name}" if name else ""
    return json_response(200, openapi.document(_model(name).meta, max_batch_rows(), prefix))


def _monitoring_response(request: routing.Request, event: Any, name: str | None) -> dict[str, Any]:
    return json_response(200, monitoring_route.latest_report(name or _model().meta["name"]))


def _models_response(request: routing.Request, event: Any, name: str | None) -> dict[str, Any]:
    return json_response(200, {"default": STORE.default or None, "models": STORE.describe()})


# The default model's routes; each but /health is also served per model under /models/{name}.
ROUTES: dict[str, dict[str, Handler]] = {
    "/predict": {"POST": _predict_response},
    "/health": {"GET": _health_response},
    "/metadata": {"GET": _metadata_response},
    "/openapi.json": {"GET": _openapi_response},
    "/models": {"GET": _models_response},
    "/monitoring": {"GET": _monitoring_response},
}
MODEL_ROUTES = ("/predict", "/metadata", "/openapi.json", "/monitoring")
MODEL_ROUTE_TEMPLATE = "/models/{name}"


def _split_model_path(path: str) -> tuple[str, str | None]:
    """/models/boston/predict -> (/predict, boston); any other path stays as it is, for the default model."""
    parts = path.split("/")
    if len(parts) == 4 and parts[1] == "models" and f"/{parts[3]}" in MODEL_ROUTES:
        return f"/{parts[3]}", parts[2]
    return path, None


def _route(request: routing.Request, event: Any) -> dict[str, Any]:
    route, name = _split_model_path(request.path)
    methods = ROUTES.get(route)
    if methods is None:
        known = ", ".join(f"{method} {path}" for path, by_method in ROUTES.items() for method in by_method)
        per_model = ", ".join(f"{MODEL_ROUTE_TEMPLATE}{path}" for path in MODEL_ROUTES)
        raise ApiError(
            404, "not_found", f"no route {request.method} {request.path}; the routes are {known}, {per_model}"
        )
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
    if name is not None and not MODEL_NAME.match(name):
        raise ApiError(
            404,
            "unknown_model",
            f"{name[:80]!r} is not a model name (lower case letters, digits, - and _); GET /models lists them",
            {"known": STORE.names()},
        )
    return methods[request.method](request, event, name)


def _handle(event: Any) -> tuple[routing.Request, int, dict[str, Any]]:
    # What the request is taken for until the event is read (reading it may fail, and that is answered too).
    request = routing.Request(method="POST", path="/predict", body=None, via_http=routing.is_http(event))
    try:
        request = routing.from_event(event)
        if not request.via_http:
            return request, 200, predict_body(event)  # a direct invoke gets the body POST /predict would
        response = _route(request, event)
        return request, int(response["statusCode"]), response
    except ApiError as api_error:
        error = api_error
    except Exception:  # the client gets a request id, never a stack trace
        log("error", "unhandled error", traceback=traceback.format_exc())
        error = ApiError(500, "internal_error", f"internal error; quote request id {request_id.get()}")
    return request, error.status, error_response(error) if request.via_http else error.body()


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    started = time.perf_counter()
    token = request_id.set(getattr(context, "aws_request_id", None))
    capture.clear()
    try:
        request, status, response = _handle(event)
        elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
        capture.finish(request_id.get(), "api" if request.via_http else "invoke", status, elapsed_ms)
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
