"""The peer's two tables: a tracking number and where it forwards, and one lead per call."""

from __future__ import annotations

from django.db import models


class LeadSource(models.Model):
    name = models.CharField(max_length=100)
    incoming_number = models.CharField(max_length=20, unique=True)
    forwarding_number = models.CharField(max_length=20)

    class Meta:
        app_label = "peer"
        db_table = "peer_lead_source"


class Lead(models.Model):
    lead_source = models.ForeignKey(LeadSource, on_delete=models.CASCADE)
    phone_number = models.CharField(max_length=20)
    call_sid = models.CharField(max_length=64)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    caller_name = models.CharField(max_length=100, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "peer"
        db_table = "peer_lead"
