"""The peer's webhook and its WSGI application (`gunicorn bench.http.peer.app:application`):
parse Twilio's form, find the number's lead source, store a lead, answer TwiML that dials."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.http.peer.settings")

from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

application = get_wsgi_application()

from twilio.twiml.voice_response import VoiceResponse  # noqa: E402

from bench.http.peer.models import Lead, LeadSource  # noqa: E402


@csrf_exempt
def forward_call(request: HttpRequest) -> HttpResponse:
    source = LeadSource.objects.get(incoming_number=request.POST["Called"])
    Lead.objects.create(
        lead_source=source,
        phone_number=request.POST["Caller"],
        call_sid=request.POST["CallSid"],
        city=request.POST.get("FromCity", ""),
        state=request.POST.get("FromState", ""),
        caller_name=request.POST.get("CallerName", ""),
    )
    response = VoiceResponse()
    response.dial(source.forwarding_number)
    return HttpResponse(str(response), content_type="text/xml")


urlpatterns = [path("forward-call", forward_call)]
