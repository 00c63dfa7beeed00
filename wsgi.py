"""The WSGI entry point: `gunicorn wsgi:app`, and `flask --app wsgi ...` for commands."""

import gc
import sys

from clinic import create_app
from config import ConfigError

try:
    app = create_app()
except ConfigError as error:  # say what to set, without a traceback
    sys.exit(f"clinic cannot start: {error}")

# Everything loaded so far (modules, the ORM's mappings, templates) lives as long as the
# process: keep it out of the garbage collector's full passes, which otherwise walk it
# every few hundred requests and add tens of milliseconds to whichever request pays.
gc.collect()  # what loading left behind is freed, not kept for good
gc.freeze()
