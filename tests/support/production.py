"""deploy/endpoints.production.yml's stores on this machine's PostgreSQL and Redis."""

from __future__ import annotations

from sqlalchemy.engine import URL

REDIS = ("127.0.0.1", 6379)


def production_env(url: URL, tracker_database: str, redis_db: int) -> dict[str, str]:
    """deploy/endpoints.production.yml's variables for this machine's services."""
    return {
        "SSCN_TRACKER_HOST": url.host,
        "SSCN_TRACKER_PORT": str(url.port or 5432),
        "SSCN_TRACKER_DB": tracker_database,
        "SSCN_TRACKER_USER": url.username or "postgres",
        "SSCN_TRACKER_PASSWORD": url.password or "",
        "SSCN_TRACKER_LOGIN_DB": url.database,
        "SSCN_REDIS_HOST": REDIS[0],
        "SSCN_REDIS_PORT": str(REDIS[1]),
        "SSCN_REDIS_DB": str(redis_db),
    }
