"""Entrypoints: HTTP API, CLI, telephony webhooks. They parse, call one service, and format."""
