"""The WSGI entry point: `gunicorn wsgi:app`, and `flask --app wsgi ...` for commands."""

from clinic import create_app

app = create_app()
