"""The website and JSON API (FastAPI): routes, templates, SEO. Renders library results only."""
