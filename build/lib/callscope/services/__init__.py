"""Use cases, one function each; entrypoints (HTTP, CLI, telephony adapters) only call these."""
