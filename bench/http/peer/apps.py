"""The peer stand-in as a Django app (its models need an installed app)."""

from __future__ import annotations

from django.apps import AppConfig


class PeerConfig(AppConfig):
    name = "bench.http.peer"
    label = "peer"
    default_auto_field = "django.db.models.BigAutoField"
