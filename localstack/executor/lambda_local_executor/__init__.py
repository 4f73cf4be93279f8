"""A LocalStack Lambda executor that runs zip functions as sandboxed local processes."""
