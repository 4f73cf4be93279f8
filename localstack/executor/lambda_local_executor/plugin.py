"""The plux plugin LocalStack loads for LAMBDA_RUNTIME_EXECUTOR=local."""

from typing import Any

from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin


class LocalExecutorPlugin(RuntimeExecutorPlugin):  # type: ignore[misc]
    name = "local"

    def load(self, *args: Any, **kwargs: Any) -> type:
        # Imported lazily: LocalStack loads plugins before its Lambda service is configured.
        from lambda_local_executor.executor import LocalRuntimeExecutor

        executor: type = LocalRuntimeExecutor
        return executor
