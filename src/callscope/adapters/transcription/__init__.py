"""Speech-to-text engines behind the `Transcriber` port (services/ports.py)."""
