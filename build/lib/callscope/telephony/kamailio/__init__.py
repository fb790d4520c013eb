"""Kamailio (self-hosted SIP): the kamailio.cfg that routes calls by callscope's HTTP API."""

from callscope.telephony.kamailio.config import KamailioConfigError, render_config

__all__ = ["KamailioConfigError", "render_config"]
