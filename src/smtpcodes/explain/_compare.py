"""``compare(a, b, lang)``: differences computed along real dimensions (DESIGN.md section 5)."""

from __future__ import annotations

from typing import Any

from smtpcodes.catalogue import load_catalogue
from smtpcodes.explain._codeinfo import code_info, normalize_code, phrase
from smtpcodes.explain._model import CodeInfo, Comparison, Difference, FactRow, Link


def sort_key(code: str) -> tuple[int, ...]:
    """Ascending order: basic codes first (numerically), then enhanced codes."""
    if "." not in code:
        return (0, *(int(c) if c.isdigit() else 0 for c in code))
    return (1, *(int(p) if p.isdigit() else -1 for p in code.split(".")))


def canonical_pair(a: str, b: str) -> tuple[str, str]:
    a, b = normalize_code(a), normalize_code(b)
    return (a, b) if sort_key(a) <= sort_key(b) else (b, a)


def _names(values: tuple[str, ...], table: dict[str, str], phrases: dict[str, Any]) -> str:
    return ", ".join(table[v] for v in values) if values else phrases["labels"]["none"]


def _typical(info: CodeInfo, phrases: dict[str, Any]) -> str:
    if info.typical:
        return phrase(
            phrases, "compare.enhanced_with", code=info.code, codes=", ".join(info.typical)
        )
    if info.class_digit == 3 and info.kind == "basic":
        return phrase(phrases, "compare.no_enhanced", code=info.code)
    return phrase(phrases, "compare.no_enhanced_listed", code=info.code)


#: dimensions compared the same way: (dimension, CodeInfo attribute, phrase table, template
#: stem); templates compare.diff_<stem> (a, b, a_<stem>, b_<stem>) and compare.same_<stem>
_DIMENSIONS = (
    ("stage", "stages", "stage", "stage"),
    ("next_step", "next_step", "next_step", "next"),
    ("retry", "retry", "retry", "retry"),
    ("who", "who", "who", "who"),
    ("closes", "closes", "closes", "closes"),
)


def _dimension(
    a: CodeInfo,
    b: CodeInfo,
    p: dict[str, Any],
    dimension: str,
    attribute: str,
    table: str,
    stem: str,
) -> Difference | None:
    value_a, value_b = getattr(a, attribute), getattr(b, attribute)
    if not value_a or not value_b:
        return None

    def name(value: str | tuple[str, ...]) -> str:
        return _names(value, p[table], p) if isinstance(value, tuple) else str(p[table][value])

    same = set(value_a) == set(value_b) if isinstance(value_a, tuple) else value_a == value_b
    if same:
        return Difference(
            dimension, False, phrase(p, f"compare.same_{stem}", **{stem: name(value_a)})
        )
    values = {f"a_{stem}": name(value_a), f"b_{stem}": name(value_b)}
    return Difference(
        dimension, True, phrase(p, f"compare.diff_{stem}", a=a.code, b=b.code, **values)
    )


def _differences(a: CodeInfo, b: CodeInfo, phrases: dict[str, Any]) -> list[Difference]:
    p = phrases
    out: list[Difference] = []
    if a.kind != b.kind:
        out.append(
            Difference(
                "kind",
                True,
                phrase(
                    p,
                    "compare.diff_kind",
                    a=a.code,
                    b=b.code,
                    a_kind=p["compare"][f"kind_{a.kind}"],
                    b_kind=p["compare"][f"kind_{b.kind}"],
                ),
            )
        )
    if a.class_digit is not None and b.class_digit is not None:
        if a.class_digit != b.class_digit:
            sentence = phrase(
                p,
                "compare.diff_class",
                a=a.code,
                b=b.code,
                a_class=a.class_name,
                b_class=b.class_name,
                a_class_short=a.class_short,
                b_class_short=b.class_short,
                a_class_meaning=a.class_meaning,
                b_class_meaning=b.class_meaning,
            )
            out.append(Difference("class", True, sentence))
        else:
            out.append(
                Difference(
                    "class",
                    False,
                    phrase(
                        p,
                        "compare.same_class",
                        **{"class": a.class_name},
                        class_meaning=a.class_meaning,
                    ),
                )
            )
    for dimension, attribute, table, stem in _DIMENSIONS:
        difference = _dimension(a, b, p, dimension, attribute, table, stem)
        if difference is not None:
            out.append(difference)
    if a.kind == b.kind == "basic":
        shared = [c for c in a.typical if c in b.typical]
        if a.typical != b.typical:
            out.append(
                Difference(
                    "enhanced",
                    True,
                    phrase(
                        p, "compare.diff_enhanced", a_part=_typical(a, p), b_part=_typical(b, p)
                    ),
                )
            )
        if shared:
            out.append(
                Difference(
                    "enhanced", False, phrase(p, "compare.same_enhanced", shared=", ".join(shared))
                )
            )
    return out


def _table(a: CodeInfo, b: CodeInfo, phrases: dict[str, Any]) -> tuple[FactRow, ...]:
    labels = phrases["labels"]
    rows = [
        FactRow("title", labels["title"], a.title, b.title, a.title != b.title),
        FactRow("class", labels["class"], a.class_name, b.class_name, a.class_name != b.class_name),
    ]
    facts_a = {f.key: f for f in a.facts}
    facts_b = {f.key: f for f in b.facts}
    for key in (
        "stage",
        "commands",
        "next_step",
        "retry",
        "closes",
        "who",
        "enhanced",
        "basic",
        "tier",
    ):
        fa, fb = facts_a.get(key), facts_b.get(key)
        if fa is None and fb is None:
            continue
        label = (fa or fb).label  # type: ignore[union-attr]
        va = fa.value if fa else "—"
        vb = fb.value if fb else "—"
        rows.append(FactRow(key, label, va, vb, va != vb))
    return tuple(rows)


def compare(a: str, b: str, lang: str = "en") -> Comparison:
    """Compare two codes (basic, enhanced or mixed) in ``lang``.

    >>> c = compare("354", "535")
    >>> [d.dimension for d in c.differences][:2]
    ['class', 'stage']
    """
    catalogue = load_catalogue()
    p = catalogue.phrases(lang)
    info_a, info_b = code_info(a, lang), code_info(b, lang)
    canonical = canonical_pair(info_a.code, info_b.code)
    same = info_a.code == info_b.code
    pair = catalogue.pair(info_a.code, info_b.code)
    curated = pair.note.get(lang, "") if pair else ""
    if not curated:
        for ref in info_a.confused_with:
            if ref.code == info_b.code or ref.code == _generic(info_b.code):
                curated = ref.note
        for ref in info_b.confused_with:
            if not curated and (ref.code == info_a.code or ref.code == _generic(info_a.code)):
                curated = ref.note

    title = phrase(
        p, "compare.title", a=info_a.code, b=info_b.code, a_title=info_a.title, b_title=info_b.title
    )
    if same:
        suggest = info_a.confused_with[0].code if info_a.confused_with else ""
        key = "compare.same_code" if suggest else "compare.same_code_no_suggest"
        intro = phrase(p, key, a=info_a.code, suggest=suggest)
        diffs: list[Difference] = []
    else:
        if info_a.class_digit == info_b.class_digit and info_a.class_digit is not None:
            verdict = phrase(p, "compare.verdict_same_class", class_short=info_a.class_short)
        else:
            verdict = phrase(
                p,
                "compare.verdict_diff_class",
                a=info_a.code,
                b=info_b.code,
                a_class_short=info_a.class_short or info_a.class_name or info_a.detail_label,
                b_class_short=info_b.class_short or info_b.class_name or info_b.detail_label,
            )
        intro = phrase(
            p,
            "compare.intro",
            a=info_a.code,
            b=info_b.code,
            a_title=info_a.title,
            b_title=info_b.title,
            verdict=verdict,
        )
        diffs = _differences(info_a, info_b, p)

    when_which: list[str] = []
    for info in (info_a,) if same else (info_a, info_b):
        if info.when:
            when_which.append(f"{phrase(p, 'compare.which_you_see', code=info.code)} {info.when}")
    if not same and set(info_a.stages) != set(info_b.stages) and info_a.stages and info_b.stages:
        for info in (info_a, info_b):
            stages = ", ".join(p["stage"][s] for s in info.stages)
            when_which.append(phrase(p, "compare.which_stage", stage=stages, code=info.code))

    learn: list[Link] = []
    seen: set[str] = set()
    for link in (*info_a.sources, *info_b.sources):
        if link.url and link.url not in seen:
            seen.add(link.url)
            learn.append(link)

    return Comparison(
        lang=lang,
        a=info_a,
        b=info_b,
        same=same,
        title=title,
        intro=intro,
        differences=tuple(d for d in diffs if d.differs),
        shared=tuple(d for d in diffs if not d.differs),
        when_which=tuple(when_which),
        table=_table(info_a, info_b, p),
        learn_more=tuple(learn),
        curated_note=curated,
        canonical=canonical,
    )


def _generic(code: str) -> str:
    if "." in code and code[0].isdigit():
        return "X" + code[1:]
    return code
