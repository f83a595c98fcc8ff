"""A minimal Django site with django-allauth's headless API and user sessions, for the tests.

Only what the session API needs: no templates, admin or e-mail. Knobs, all environment
variables set by `tests/allauth_server.py`:
- ALLAUTH_SITE_DB: the SQLite file (always a fresh temporary one).
- ALLAUTH_SITE_TRACK_ACTIVITY: "1" (default) or "0", USERSESSIONS_TRACK_ACTIVITY.
- ALLAUTH_SITE_RATE_LIMITS: "0" (default) turns allauth's rate limits off; "1" keeps them.
"""

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECRET_KEY = "session-tui-test-site-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "site_urls"
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "allauth",
    "allauth.account",
    "allauth.usersessions",
    "allauth.headless",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
]
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("ALLAUTH_SITE_DB", str(HERE / "site.sqlite3")),
    }
}
# The default hasher costs a third of a second per login; tests log in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": True}

HEADLESS_ONLY = True
HEADLESS_CLIENTS = ("app", "browser")
HEADLESS_FRONTEND_URLS = {}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
USERSESSIONS_TRACK_ACTIVITY = os.environ.get("ALLAUTH_SITE_TRACK_ACTIVITY", "1") == "1"
ACCOUNT_RATE_LIMITS = {} if os.environ.get("ALLAUTH_SITE_RATE_LIMITS") == "1" else False
# One X-Forwarded-For hop is trusted, so a test can give each sign-in its own address.
ALLAUTH_TRUSTED_PROXY_COUNT = 1
