"""The SMTP session as an inline SVG, drawn from the stage model, marking where codes appear.

    session_svg([("354", ("data",)), ("535", ("auth",))], "th")

The flow is :data:`smtpcodes.protocol.SESSION_FLOW` top to bottom (connect, EHLO, STARTTLS,
AUTH, MAIL, RCPT, DATA, end of data, QUIT; RFC 5321 section 3, 4.3.2); ``any`` and ``other``
(RFC 5321 section 4.3.2: 421, 500, 501 ... may answer any command; VRFY, EXPN, HELP, NOOP,
RSET) sit in a side band, since they are not a step of the flow.  Each code gets a colour, a
marker shape and a border dash, and its badge carries the code itself, so nothing relies on
colour alone (WCAG 2.2 success criterion 1.4.1).  Labels come from the catalogue phrases
(``[stage]``, ``[labels]``; ``[diagram]`` when the phrases have it), so a Thai page gets a
Thai diagram.  Text inherits the page's font (no ``font-family``): Thai renders in the page's
Thai font.  Pure and deterministic: the same marks give the same bytes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from smtpcodes._errors import SmtpcodesError
from smtpcodes._record import record
from smtpcodes.catalogue import load_catalogue
from smtpcodes.explain import code_info
from smtpcodes.protocol import SESSION_FLOW, Stage

__all__ = ["session_svg"]

# Okabe-Ito: told apart by the common colour-vision deficiencies
_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
_DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
_SHAPES = ("circle", "square", "triangle", "diamond", "down", "cross")

_LABEL_SIZE = 14
_BADGE_SIZE = 13
_ROW = 40  # height of a stage box
_GAP = 16  # room for the arrow between two boxes
_PAD = 16
_BADGE_H = 26
_BADGE_GAP = 6
_BAND_GAP = 48
_LEGEND_LINE = 22
_SIDE = (Stage.ANY, Stage.OTHER)
_BOLD = 1.08  # marked labels are bold, and bold glyphs are wider


def _width(text: str, size: int) -> float:
    """Estimated width in px: Thai vowel and tone marks take no room, wide glyphs two."""
    columns = 0
    for char in text:
        if unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        columns += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return columns * size * 0.62


def _attr(value: object) -> str:
    return quoteattr(str(value))


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@record
class _Code:
    code: str
    index: int
    title: str
    stages: tuple[Stage, ...]

    @property
    def colour(self) -> str:
        return _COLOURS[self.index % len(_COLOURS)]

    @property
    def shape(self) -> str:
        return _SHAPES[self.index % len(_SHAPES)]

    @property
    def dash(self) -> str:
        return _DASHES[self.index % len(_DASHES)]


def _stages(code: str, names: tuple[str, ...]) -> tuple[Stage, ...]:
    valid = {stage.value: stage for stage in Stage}
    out: list[Stage] = []
    for name in names:
        stage = valid.get(name)
        if stage is None:
            raise ValueError(
                f"session_svg: unknown stage {name!r} for {code}: "
                f"expected one of {', '.join(valid)}"
            )
        if stage not in out:
            out.append(stage)
    return tuple(out)


def _title_of(code: str, lang: str) -> str:
    try:
        return code_info(code, lang).title
    except SmtpcodesError:  # not a code at all: the legend shows it as given
        return ""


def _marker(shape: str, x: float, y: float, colour: str, size: float = 9) -> str:
    """A filled shape centred on (x, y)."""
    h = size / 2
    fill = f'fill="{colour}" stroke="#111827" stroke-width="1"'
    if shape == "circle":
        return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(h)}" {fill}/>'
    if shape == "square":
        return (
            f'<rect x="{_num(x - h)}" y="{_num(y - h)}" width="{_num(size)}" '
            f'height="{_num(size)}" {fill}/>'
        )
    points = {
        "triangle": ((x, y - h), (x + h, y + h), (x - h, y + h)),
        "down": ((x - h, y - h), (x + h, y - h), (x, y + h)),
        "diamond": ((x, y - h - 1), (x + h + 1, y), (x, y + h + 1), (x - h - 1, y)),
        "cross": (
            (x - h, y - h / 3), (x - h / 3, y - h / 3), (x - h / 3, y - h),
            (x + h / 3, y - h), (x + h / 3, y - h / 3), (x + h, y - h / 3),
            (x + h, y + h / 3), (x + h / 3, y + h / 3), (x + h / 3, y + h),
            (x - h / 3, y + h), (x - h / 3, y + h / 3), (x - h, y + h / 3),
        ),
    }[shape]  # fmt: skip
    coords = " ".join(f"{_num(px)},{_num(py)}" for px, py in points)
    return f'<polygon points="{coords}" {fill}/>'


def _badge_width(code: _Code) -> float:
    return 8 + 10 + 6 + _width(code.code, _BADGE_SIZE) + 10


def _badge(code: _Code, x: float, y: float) -> str:
    width = _badge_width(code)
    dash = f' stroke-dasharray="{code.dash}"' if code.dash else ""
    return (
        f'<g class="diagram-badge" data-code={_attr(code.code)}>'
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(width)}" height="{_BADGE_H}" rx="5" '
        f'fill="#ffffff" stroke="{code.colour}" stroke-width="2.5"{dash}/>'
        + _marker(code.shape, x + 8 + 5, y + _BADGE_H / 2, code.colour)
        + f'<text x="{_num(x + 24)}" y="{_num(y + _BADGE_H / 2 + 4.5)}" '
        f'font-size="{_BADGE_SIZE}" font-weight="700" fill="#111827">{escape(code.code)}</text>'
        "</g>"
    )


def _side_need(codes: list[_Code], band_w: float) -> float:
    """Height a side box needs: the label, then its badges wrapped to the box width."""
    rows, used = 1, 0.0
    for code in codes:
        if used + _badge_width(code) > band_w - 16 and used > 0:
            rows, used = rows + 1, 0.0
        used += _badge_width(code) + _BADGE_GAP
    return 38 + rows * (_BADGE_H + _BADGE_GAP) + 4


def _slug(codes: Sequence[str]) -> str:
    """A stable id prefix, so two diagrams on one page do not share ids."""
    raw = "-".join(codes) or "none"
    return "smtp-session-" + re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")[:60]


def _phrase(phrases: dict[str, Any], key: str, fallback: str, **values: str) -> str:
    table = phrases.get("diagram", {})
    template = table.get(key) if isinstance(table, dict) else None
    return str(template).format(**values) if template else fallback


def session_svg(marks: Sequence[tuple[str, tuple[str, ...]]], lang: str) -> str:
    """An accessible inline SVG of the SMTP session marking where each code appears.

    ``marks`` is ``[(code, stages)]`` with stage names as in :class:`Stage` (``"data"``,
    ``"auth"``, ``"any"`` ...).  Raises :class:`ValueError` for an unknown stage name and
    :class:`~smtpcodes._errors.UnknownLanguageError` for a language without phrases.
    """
    phrases = load_catalogue().phrases(lang)
    names: dict[str, str] = phrases["stage"]
    labels: dict[str, str] = phrases["labels"]
    codes = [
        _Code(code, index, _title_of(code, lang), _stages(code, stages))
        for index, (code, stages) in enumerate(marks)
    ]
    by_stage: dict[Stage, list[_Code]] = {stage: [] for stage in Stage}
    for code in codes:
        for stage in code.stages:
            by_stage[stage].append(code)

    # ---- geometry -------------------------------------------------------------------
    def row_need(stage: Stage) -> float:
        badges = sum(_badge_width(c) + _BADGE_GAP for c in by_stage[stage])
        return 14 + _BOLD * _width(names[stage.value], _LABEL_SIZE) + 18 + badges + 4

    flow_x = _PAD
    flow_w = max(320.0, *(row_need(s) for s in SESSION_FLOW))
    tops = [_PAD + i * (_ROW + _GAP) for i in range(len(SESSION_FLOW))]
    flow_bottom = tops[-1] + _ROW

    band_x = flow_x + flow_w + _BAND_GAP
    band_w = 180.0
    for stage in _SIDE:
        band_w = max(band_w, 28 + _BOLD * _width(names[stage.value], _LABEL_SIZE))
        badges = sum(_badge_width(c) + _BADGE_GAP for c in by_stage[stage])
        band_w = max(band_w, min(badges + 18, 320.0))
    # "any" spans EHLO to MAIL, "other" RCPT to QUIT; a box grows when its badges need it
    spans = {Stage.ANY: (1, 4), Stage.OTHER: (5, 8)}
    side_boxes: dict[Stage, tuple[float, float]] = {}
    next_top = float(tops[1])
    for stage in _SIDE:
        first, last = spans[stage]
        top = max(next_top, float(tops[first]))
        side_boxes[stage] = (top, max(tops[last] + _ROW - top, _side_need(by_stage[stage], band_w)))
        next_top = top + side_boxes[stage][1] + _GAP
    content_bottom = max(flow_bottom, next_top - _GAP)

    legend_top = content_bottom + 28
    legend_rows = [(c, f"{c.code}  {c.title}".rstrip()) for c in codes]
    legend_w = max((40 + _width(text, _LABEL_SIZE) for _, text in legend_rows), default=0.0)
    width = max(band_x + band_w, flow_x + legend_w) + _PAD
    height = legend_top + len(legend_rows) * _LEGEND_LINE + (_PAD if legend_rows else 0)

    # ---- words ----------------------------------------------------------------------
    code_list = ", ".join(c.code for c in codes)
    title = (
        _phrase(phrases, "title", f"{labels['stage']}: {code_list}", codes=code_list)
        if code_list
        else labels["stage"]
    )
    flow_words = " → ".join(names[s.value] for s in SESSION_FLOW)
    per_code = []
    for c in codes:
        where = ", ".join(names[s.value] for s in c.stages) or labels["none"]
        per_code.append(
            _phrase(phrases, "desc_code", f"{c.code}: {where}", code=c.code, stages=where)
        )
    desc = _phrase(phrases, "desc", flow_words, flow=flow_words)
    desc = "; ".join([desc, *per_code]) if per_code else desc

    # ---- drawing --------------------------------------------------------------------
    pid = _slug([c.code for c in codes])
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="session-diagram" role="img" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" width="{_num(width)}" '
        f'height="{_num(height)}" style="max-width:100%;height:auto" '
        f'aria-labelledby="{pid}-title {pid}-desc" lang={_attr(lang)}>',
        f'<title id="{pid}-title">{escape(title)}</title>',
        f'<desc id="{pid}-desc">{escape(desc)}</desc>',
        "<defs>"
        f'<marker id="{pid}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker>'
        "</defs>",
    ]

    def stage_box(stage: Stage, x: float, y: float, w: float, h: float) -> None:
        marked = bool(by_stage[stage])
        css = "diagram-stage diagram-stage--marked" if marked else "diagram-stage"
        out.append(f'<g class="{css}" data-stage="{stage.value}">')
        out.append(
            f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" rx="6" '
            + (
                'fill="#eef2ff" stroke="#1f2937" stroke-width="2"/>'
                if marked
                else 'fill="#ffffff" stroke="#9ca3af" stroke-width="1"/>'
            )
        )
        weight = ' font-weight="700"' if marked else ""
        colour = "#111827" if marked else "#4b5563"
        out.append(
            f'<text x="{_num(x + 14)}" y="{_num(y + 25)}" font-size="{_LABEL_SIZE}"{weight} '
            f'fill="{colour}">{escape(names[stage.value])}</text>'
        )
        if stage in _SIDE:  # badges under the label, wrapping inside the box
            bx, by = x + 10, y + 38
            for code in by_stage[stage]:
                if bx + _badge_width(code) > x + w - 6 and bx > x + 10:
                    bx, by = x + 10, by + _BADGE_H + _BADGE_GAP
                out.append(_badge(code, bx, by))
                bx += _badge_width(code) + _BADGE_GAP
        else:  # badges right-aligned on the row
            bx = x + w - 8
            for code in reversed(by_stage[stage]):
                bx -= _badge_width(code)
                out.append(_badge(code, bx, y + (h - _BADGE_H) / 2))
                bx -= _BADGE_GAP
        out.append("</g>")

    out.append('<g class="diagram-flow">')
    for i, stage in enumerate(SESSION_FLOW):
        stage_box(stage, flow_x, tops[i], flow_w, _ROW)
        if i + 1 < len(SESSION_FLOW):
            ax = flow_x + 28
            out.append(
                f'<line x1="{_num(ax)}" y1="{_num(tops[i] + _ROW)}" x2="{_num(ax)}" '
                f'y2="{_num(tops[i + 1] - 1)}" stroke="#6b7280" stroke-width="1.5" '
                f'marker-end="url(#{pid}-arrow)"/>'
            )
    out.append("</g>")

    out.append('<g class="diagram-side">')
    bracket_x = flow_x + flow_w + _BAND_GAP / 2
    out.append(
        f'<line x1="{_num(bracket_x)}" y1="{_num(tops[1])}" x2="{_num(bracket_x)}" '
        f'y2="{_num(flow_bottom)}" stroke="#9ca3af" stroke-width="1.5" stroke-dasharray="4 4"/>'
    )
    for stage in _SIDE:
        top, box_h = side_boxes[stage]
        mid = top + _ROW / 2
        out.append(
            f'<line x1="{_num(bracket_x)}" y1="{_num(mid)}" x2="{_num(band_x)}" y2="{_num(mid)}" '
            f'stroke="#9ca3af" stroke-width="1.5" stroke-dasharray="4 4"/>'
        )
        stage_box(stage, band_x, top, band_w, box_h)
    out.append("</g>")

    if legend_rows:
        out.append('<g class="diagram-legend">')
        for i, (code, text) in enumerate(legend_rows):
            y = legend_top + i * _LEGEND_LINE
            out.append(_marker(code.shape, flow_x + 8, y + 7, code.colour, 11))
            dash = f' stroke-dasharray="{code.dash}"' if code.dash else ""
            out.append(
                f'<line x1="{_num(flow_x + 18)}" y1="{_num(y + 7)}" x2="{_num(flow_x + 34)}" '
                f'y2="{_num(y + 7)}" stroke="{code.colour}" stroke-width="2.5"{dash}/>'
            )
            out.append(
                f'<text x="{_num(flow_x + 40)}" y="{_num(y + 12)}" font-size="{_LABEL_SIZE}" '
                f'fill="#111827"><tspan font-weight="700">{escape(code.code)}</tspan>'
                f"{escape(text[len(code.code) :])}</text>"
            )
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)
