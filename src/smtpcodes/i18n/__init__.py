"""Locale choice and the active language of a request or command."""

from smtpcodes.i18n._locale import (
    DEFAULT_LANGUAGE,
    active_language,
    language_from_env,
    negotiate,
)

__all__ = ["DEFAULT_LANGUAGE", "active_language", "language_from_env", "negotiate"]
