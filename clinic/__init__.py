"""The application factory: every extension, blueprint and command, wired explicitly.

No I/O and no queries happen here, so creating an app is cheap and safe in tests.
"""

from __future__ import annotations

import logging

from flask import Flask

from config import INSTANCE_DIR, load_config


def create_app(overrides: dict[str, object] | None = None) -> Flask:
    settings = load_config(overrides)
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.update(settings)
    if int(app.config["TRUSTED_PROXIES"]):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    logging.getLogger("clinic").setLevel(logging.INFO)

    from clinic import models  # noqa: F401  (every table, for Alembic and relationships)
    from clinic.db import sessions_in_utc
    from clinic.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        sessions_in_utc(db.engine)
    migrate.init_app(app, db, directory=str(INSTANCE_DIR.parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)

    from clinic.display import install_display
    from clinic.web import install_web

    install_web(app)
    install_display(app)

    from clinic.accounts.views import bp as accounts_bp
    from clinic.api.views import bp as api_bp
    from clinic.audit.views import bp as audit_bp
    from clinic.patients.views import bp as patients_bp
    from clinic.plans.views import bp as plans_bp
    from clinic.portal.views import bp as portal_bp
    from clinic.practice.views import bp as practice_bp
    from clinic.reminders.views import bp as reminders_bp
    from clinic.scheduling.views import bp as desk_bp

    for blueprint in (
        accounts_bp,
        audit_bp,
        practice_bp,
        patients_bp,
        desk_bp,
        plans_bp,
        reminders_bp,
        portal_bp,
        api_bp,
    ):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # bearer tokens, not cookies: no CSRF to forge

    from clinic.cli import register_commands

    register_commands(app)
    return app
