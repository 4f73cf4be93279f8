"""A log stream can be created in a log group that has a subscription filter, as on AWS.

The pinned LocalStack's patch of moto's `LogGroup.create_log_stream` indexes `dict_values` (`filters[0]`) once the
group has a subscription filter: the stream is created, then the call fails with a 500. Lambda's log writer gives
up on that invocation's lines, so every new execution environment lost its first request's logs, capture records
included. This hook lets the call finish as the patch meant it to: the stream takes the first filter's pattern.
"""

from __future__ import annotations

from typing import Any

from localstack.runtime import hooks


def create_log_stream(target: Any, self: Any, log_stream_name: str) -> None:
    try:
        target(self, log_stream_name)
    except TypeError:
        if log_stream_name not in self.streams:
            raise
        filters = list(self.subscription_filters.values())
        self.streams[log_stream_name].filter_pattern = filters[0].filter_pattern if filters else None


@hooks.on_infra_start()  # type: ignore[untyped-decorator]
def create_log_streams_under_subscription_filters() -> None:
    import localstack.services.logs.provider  # noqa: F401  (its own patches first, then this one around them)
    from localstack.utils.patch import patch
    from moto.logs.models import LogGroup

    patch(LogGroup.create_log_stream)(create_log_stream)
