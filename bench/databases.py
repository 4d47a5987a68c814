"""The PostgreSQL databases that `make bench` and `make load` build for themselves, next to the
one DATABASE_URL names: where they live and an autocommit connection to create or drop them."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import psycopg2


def database_urls(variable: str, default_name: str) -> tuple[str, str]:
    """(URL of the maintenance database, name of the tool's database): the database `variable`
    names if set, else `default_name` on the server of DATABASE_URL."""
    url = os.environ.get(variable) or os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal"
    )
    parts = urlsplit(url)
    name = parts.path.lstrip("/") if os.environ.get(variable) else default_name
    return urlunsplit(parts._replace(path="/postgres")), name


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def admin(url: str):
    connection = psycopg2.connect(url)
    connection.autocommit = True
    return connection
