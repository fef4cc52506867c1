"""The website and JSON API (FastAPI): routes, templates, SEO. Renders library results only.

>>> from smtpcodes.web import create_app
>>> app = create_app()            # uvicorn.run(app) or: smtpcodes serve

FastAPI and Jinja2 are imported here, never by the CLI's fast path.
"""

from smtpcodes.web._app import app_from_environment, catalogue_fingerprint, create_app
from smtpcodes.web._settings import Settings
from smtpcodes.web._site import (
    alternates,
    class_members,
    curated_pairs,
    is_curated,
    sitemap_tails,
)

__all__ = [
    "Settings",
    "alternates",
    "app_from_environment",
    "catalogue_fingerprint",
    "class_members",
    "create_app",
    "curated_pairs",
    "is_curated",
    "sitemap_tails",
]
