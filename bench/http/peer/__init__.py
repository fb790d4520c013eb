"""A stand-in of the tutorial peer (TwilioDevEd/call-tracking-django's `forward_call`), written
here for the HTTP bench: Django, gunicorn sync workers, persistent database connections."""
