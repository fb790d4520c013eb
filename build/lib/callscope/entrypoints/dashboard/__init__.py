"""The dashboard: server-rendered pages (Jinja2 templates, SVG charts drawn on the server)."""
