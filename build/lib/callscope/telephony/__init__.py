"""Telephony platform adapters: each translates its platform into callscope call events."""
