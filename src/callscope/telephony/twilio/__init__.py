"""Twilio Programmable Voice (and the TeXML / LaML dialects of Telnyx and SignalWire):
webhook parameters in, call events, TwiML and signature checks out. No I/O here."""
