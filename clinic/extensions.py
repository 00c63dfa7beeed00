"""The extensions, unbound: create_app() binds each one to the app exactly once."""

from typing import TYPE_CHECKING

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from clinic.db import Base, render_migration_item

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True, render_item=render_migration_item)
csrf = CSRFProtect()
login_manager = LoginManager()

# The models' base class. At run time it is db.Model, the class Flask-SQLAlchemy builds from
# Base; type checkers cannot follow that construction, so they are shown Base, whose
# mapping and metadata db.Model shares.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
