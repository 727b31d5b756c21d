"""The registry: log, storage, governance state, HTTP service and the CLI."""
