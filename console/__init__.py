"""The helpdesk agents' console: a small server-rendered web app (Sanic + Jinja2)."""
