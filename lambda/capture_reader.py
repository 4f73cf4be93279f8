"""Capture records out of the objects under capture/<model>/<version>/date=YYYY-MM-DD/.

An object holds newline-delimited JSON records, or CloudWatch Logs subscription DATA_MESSAGE envelopes
({"messageType": "DATA_MESSAGE", "logEvents": [{"message": "<a log line>"}, ...]}) written one after the other,
gzipped (AWS) or not (LocalStack). Log lines that are not capture records (START, REPORT, the function's other
JSON lines; LocalStack ignores the subscription's filter pattern) are dropped here."""

import gzip
import json
import zlib
from collections.abc import Iterator
from typing import Any

GZIP_MAGIC = b"\x1f\x8b"
_DECODER = json.JSONDecoder()


def _decompressed(data: bytes) -> bytes:
    """Gzip members one after the other (Firehose may append them) as one stream; anything else as it is."""
    out = bytearray()
    while data.startswith(GZIP_MAGIC):
        stream = zlib.decompressobj(wbits=31)
        out += stream.decompress(data)
        data = stream.unused_data
    return bytes(out) + data if out else data


def _json_values(text: str) -> Iterator[Any]:
    """Each JSON value of text, whether separated by newlines or not; a line that is not JSON is skipped."""
    position, end = 0, len(text)
    while position < end:
        while position < end and text[position].isspace():
            position += 1
        if position >= end:
            return
        try:
            value, position = _DECODER.raw_decode(text, position)
        except ValueError:
            newline = text.find("\n", position)
            position = end if newline < 0 else newline + 1
            continue
        yield value


def _capture(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) and value.get("capture") == 1 else None


def _records_of(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict) and value.get("messageType") is not None:
        if value.get("messageType") != "DATA_MESSAGE":
            return  # CONTROL_MESSAGE: CloudWatch Logs checking that the destination is reachable
        for event in value.get("logEvents") or []:
            message = event.get("message") if isinstance(event, dict) else None
            if isinstance(message, str):
                for inner in _json_values(message):
                    record = _capture(inner)
                    if record is not None:
                        yield record
        return
    record = _capture(value)
    if record is not None:
        yield record


def read_records(data: bytes) -> list[dict[str, Any]]:
    """The capture records of one object, in the order written."""
    try:
        text = _decompressed(data).decode("utf-8", errors="replace")
    except (zlib.error, EOFError, gzip.BadGzipFile):
        return []  # a truncated upload: nothing readable, the next run reads the rest
    return [record for value in _json_values(text) for record in _records_of(value)]
