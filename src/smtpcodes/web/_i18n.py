"""Interface strings through gettext, and the language of the request being rendered.

The ``.po`` catalogues under ``locales/`` are the only source: they are compiled in memory
when the app starts (no ``.mo`` files in the repository, no compile step after a clone).
One Jinja ``Environment`` serves every language: its gettext callables read
:data:`smtpcodes.i18n.active_language`, a ContextVar each request sets (ecosystem-notes B3).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gettext
import io
from collections.abc import Iterable, Iterator
from importlib import resources

from babel.dates import get_month_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from smtpcodes._record import record
from smtpcodes.i18n import DEFAULT_LANGUAGE, active_language

#: Thai readers count years in the Buddhist era: 2026 CE is 2569 BE.
BUDDHIST_ERA_OFFSET = 543
_BUDDHIST_ERA_LANGUAGES = frozenset({"th"})


def load_translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``lang``; English msgids pass through where none exists."""
    po = resources.files("smtpcodes.web") / "locales" / lang / "LC_MESSAGES" / "messages.po"
    if not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as msgfmt does
    buffer.seek(0)
    return Translations(fp=buffer)


class Interface:
    """Gettext for every served language, switched per request through the ContextVar."""

    def __init__(self, languages: Iterable[str]) -> None:
        self.languages = tuple(languages)
        self._translations = {lang: load_translations(lang) for lang in self.languages}
        self._fallback = gettext.NullTranslations()

    def _active(self) -> gettext.NullTranslations:
        return self._translations.get(active_language.get(), self._fallback)

    def gettext(self, message: str) -> str:
        return self._active().gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._active().ngettext(singular, plural, n)

    @contextlib.contextmanager
    def using(self, lang: str) -> Iterator[None]:
        """Render everything inside in ``lang``."""
        token = active_language.set(lang)
        try:
            yield
        finally:
            active_language.reset(token)


@record
class LocalDate:
    """A date as its reader counts it: ``2014-08-13`` is 13 August 2557 for a Thai reader."""

    day: int
    month: str  #: the month's name in the reader's language
    year: int  #: Buddhist era for Thai, Common Era otherwise


def local_date(iso: str, lang: str | None = None) -> LocalDate | None:
    """``local_date("2014-08-13", "th")`` -> ``LocalDate(13, "สิงหาคม", 2557)``; None if not ISO.

    Babel writes Thai dates in the Gregorian era (ecosystem-notes B3), so the era is ours.
    """
    lang = lang or active_language.get() or DEFAULT_LANGUAGE
    try:
        date = dt.date.fromisoformat(iso.strip()[:10])
    except ValueError:
        return None
    month = str(get_month_names("wide", locale=lang)[date.month])
    year = date.year + (BUDDHIST_ERA_OFFSET if lang in _BUDDHIST_ERA_LANGUAGES else 0)
    return LocalDate(date.day, month, year)
