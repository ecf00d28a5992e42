"""Configuration defaults; every value can be overridden from the environment.

The embedded default (no variables set) runs on SQLite in ``instance/``, with jobs
in process and mail kept in the outbox. Production sets DATABASE_URL, REDIS_URL,
SECRET_KEY and the MAIL_* variables.
"""
import os
import secrets
from pathlib import Path

ENV_KEYS = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "REDIS_URL": str,
    "PUBLIC_URL": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_USE_TLS": lambda v: v.lower() in {"1", "true", "yes"},
    "MAIL_USE_SSL": lambda v: v.lower() in {"1", "true", "yes"},
    "MAIL_DEFAULT_SENDER": str,
    "SESSION_COOKIE_SECURE": lambda v: v.lower() in {"1", "true", "yes"},
    "UPLOAD_FOLDER": str,
    "FILE_MAX_BYTES": int,
    "INQUIRY_MAX_FILES": int,
    "IMAGE_MAX_PIXELS": int,
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": int,
    "LOGIN_MAX_FAILURES_PER_IP": int,
    "RESET_MAILS_PER_HOUR": int,
    "PASSWORD_MIN_STRENGTH": int,
    "BACKOFFICE_LOCALE": str,
    "JOB_RETRY_SECONDS": lambda v: [int(part) for part in v.split(",")],
    "TRUSTED_PROXIES": int,
}


def defaults(instance_path: str) -> dict:
    """Settings for the embedded default, relative to the instance folder."""
    return {
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'atrium.sqlite'}",
        "REDIS_URL": "",
        "PUBLIC_URL": "http://127.0.0.1:5000",
        "MAIL_SERVER": "",
        "MAIL_PORT": 25,
        "MAIL_DEFAULT_SENDER": "Atrium <no-reply@atrium.example>",
        # Pages that take files raise it for their own requests (``edge.allow_files``).
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "UPLOAD_FOLDER": str(Path(instance_path) / "uploads"),
        "FILE_MAX_BYTES": 20 * 1024 * 1024,
        "INQUIRY_MAX_FILES": 5,
        "IMAGE_MAX_PIXELS": 50_000_000,  # Pillow refuses larger images (decompression bombs)
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
        "LOGIN_MAX_FAILURES_PER_IP": 30,
        "LOGIN_FAILURE_WINDOW_MINUTES": 15,
        "PASSWORD_RESET_HOURS": 2,
        "RESET_MAILS_PER_HOUR": 3,  # per account; a visitor's address may ask 20 times an hour
        "RESET_REQUESTS_PER_IP_PER_HOUR": 20,
        "PASSWORD_MIN_LENGTH": 10,
        "PASSWORD_MIN_STRENGTH": 3,  # zxcvbn's score, 0-4: 3 is "safely unguessable"
        "CONFIRMATION_DAYS": 7,
        # werkzeug's scrypt (N=2**15, r=8, p=1); tests override it with a fast hash.
        "PASSWORD_HASH_METHOD": "scrypt",
        "AUTO_SEED_DEMO": False,
        # Without Redis, jobs run on a thread of the web process after the answer (tests run them inline).
        "JOBS_AFTER_ANSWER": True,
        # A failed job (SMTP down, say) is tried again after each of these waits; the sweeps cover the rest.
        "JOB_RETRY_SECONDS": [10, 60, 300],
        # How the back office writes and reads amounts (the portal uses each shop's locale).
        "BACKOFFICE_LOCALE": "en_GB",
        # How many reverse proxies stand in front of Atrium: their X-Forwarded-For and -Proto name the
        # visitor's address (the sign-in throttle counts per address) and scheme. 0: none, trust no header.
        "TRUSTED_PROXIES": 0,
    }


def from_environment() -> dict:
    """The settings present in the environment, converted to their types."""
    found = {}
    for key, convert in ENV_KEYS.items():
        value = os.environ.get(key) or os.environ.get(f"ATRIUM_{key}")
        if value is not None and value != "":
            found[key] = convert(value)
    return found


def instance_secret_key(instance_path: str) -> str:
    """A secret key kept in the instance folder, made on first use.

    Only for the embedded default: production sets SECRET_KEY.
    """
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
