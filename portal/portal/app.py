"""The portal's app factory: settings, extensions, blueprints, error handlers."""
import os

from flask import Flask

from . import auth, errors, formatting, health, labels, observability
from .catalogue import bp as catalogue_bp
from .commission import bp as commission_bp
from .customers import bp as customers_bp
from .dashboard import bp as dashboard_bp
from .extensions import babel, csrf, login_manager
from .gateway_client import GatewayClient
from .i18n import select_locale, vary_on_language
from .i18n.views import bp as language_bp
from .i18n.views import language_switcher
from .offers import bp as offers_bp
from .opportunities import bp as opportunities_bp
from .pricing import bp as pricing_bp
from .quotes import bp as quotes_bp
from .registrations import bp as registrations_bp
from .settings import NAMES, PortalSettings
from .team import bp as team_bp


def create_app(config=None):
    """``config`` overrides the environment: the settings' own names (GATEWAY_URL,
    SECRET_KEY, ...) are checked as if they came from it; other keys (TESTING,
    WTF_CSRF_ENABLED, ...) go to ``app.config`` as they are."""
    overrides = dict(config or {})
    settings = PortalSettings.from_mapping(
        {**os.environ, **{name: overrides[name] for name in NAMES if name in overrides}})

    app = Flask(__name__)
    app.config.update(
        SETTINGS=settings,
        PORTAL_ENV=settings.env,
        GATEWAY_URL=settings.gateway_url,
        GATEWAY_TIMEOUT=settings.gateway_timeout,
        PORTAL_PORT=settings.port,
        SECRET_KEY=settings.secret_key,
        TESTING=settings.env == "testing",
        SESSION_COOKIE_NAME="portal_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.session_cookie_secure,
        BABEL_DEFAULT_LOCALE="zh",
        MAX_CONTENT_LENGTH=1024 * 1024,  # the portal's forms are small
    )
    app.config.update({key: value for key, value in overrides.items() if key not in NAMES})
    # Log lines, X-Request-ID and metrics; checks LOG_FORMAT and LOG_LEVEL.
    observability.install(app, {**os.environ, **overrides})
    app.extensions["gateway"] = GatewayClient(settings.gateway_url, settings.gateway_timeout,
                                                settings.client_secret)

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.user_loader(auth.load_user)
    login_manager.unauthorized_handler(auth.ask_to_sign_in)

    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(opportunities_bp)
    app.register_blueprint(customers_bp)
    app.register_blueprint(registrations_bp)
    app.register_blueprint(offers_bp)
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(pricing_bp)
    app.register_blueprint(quotes_bp)
    app.register_blueprint(commission_bp)
    app.register_blueprint(team_bp)
    app.register_blueprint(language_bp)
    app.context_processor(language_switcher)
    app.context_processor(auth.navigation)
    app.after_request(vary_on_language)
    app.add_template_filter(formatting.money, "money")
    app.add_template_filter(formatting.date, "date")
    app.add_template_filter(formatting.date_time, "date_time")
    app.add_template_filter(formatting.percent, "percent")
    for name, label in labels.FILTERS.items():
        app.add_template_filter(label, name)

    errors.register(app)
    return app
