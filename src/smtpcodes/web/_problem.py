"""RFC 9457 problem details (``application/problem+json``) for every API error.

Titles and details are interface text: they come from ``templates/problem.txt`` through
gettext, in the language the request asked for.  Errors that are plain HTTP (no route,
wrong method, body too large) use ``type: about:blank`` and the status phrase as title
(RFC 9457 section 4.2.1); our own problems have a ``tag:`` URI naming them.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import jinja2
from starlette.responses import Response

from smtpcodes.web._i18n import Interface

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "tag:smtpcodes,2026:problem:"

#: Problems that are plain HTTP semantics: nothing to add beyond the status code.
HTTP_ONLY = frozenset({"no-route", "method-not-allowed", "too-large", "unsupported-media-type"})


class Problems:
    def __init__(self, env: jinja2.Environment, interface: Interface) -> None:
        self._template = env.get_template("problem.txt")
        self._interface = interface

    def _text(self, part: str, kind: str, values: dict[str, Any]) -> str:
        return " ".join(self._template.render(part=part, kind=kind, **values).split())

    def body(
        self,
        status: int,
        kind: str,
        *,
        lang: str,
        instance: str,
        values: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        values = values or {}
        with self._interface.using(lang):
            detail = self._text("detail", kind, values)
            title = (
                HTTPStatus(status).phrase
                if kind in HTTP_ONLY
                else self._text("title", kind, values)
            )
        return {
            "type": "about:blank" if kind in HTTP_ONLY else TYPE_PREFIX + kind,
            "title": title,
            "status": status,
            "detail": detail,
            "instance": instance,
            **(extra or {}),
        }

    def response(
        self,
        status: int,
        kind: str,
        *,
        lang: str,
        instance: str,
        values: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        body = self.body(status, kind, lang=lang, instance=instance, values=values, extra=extra)
        return Response(
            json.dumps(body, ensure_ascii=False).encode("utf-8"),
            status_code=status,
            media_type=MEDIA_TYPE,
            headers={
                "Content-Language": lang,
                "Cache-Control": "no-store",
                "Access-Control-Allow-Origin": "*",
                **(headers or {}),
            },
        )
