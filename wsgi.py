"""The WSGI entry point: `gunicorn wsgi:app`, and `flask --app wsgi ...` for commands."""

import sys

from clinic import create_app
from config import ConfigError

try:
    app = create_app()
except ConfigError as error:  # say what to set, without a traceback
    sys.exit(f"clinic cannot start: {error}")
