"""session_svg: the SMTP session diagram, from the stage model, accessible, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from smtpcodes._errors import UnknownLanguageError
from smtpcodes.catalogue import load_catalogue
from smtpcodes.protocol import SESSION_FLOW, Stage
from smtpcodes.web._diagram import session_svg

SVG = "{http://www.w3.org/2000/svg}"
MARKS = [("354", ("data",)), ("535", ("auth",))]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it


def stage_groups(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-stage"): g for g in root.iter(f"{SVG}g") if g.get("data-stage")}


def texts(element: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in element.iter(f"{SVG}text")]


def badge_codes(group: ET.Element) -> list[str]:
    return [g.get("data-code") for g in group.iter(f"{SVG}g") if g.get("data-code") is not None]


@pytest.mark.parametrize("lang", ["en", "th"])
def test_valid_accessible_svg(lang):
    root = parse(session_svg(MARKS, lang))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("lang") == lang
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None
    assert title.text
    assert desc is not None
    assert desc.text
    # aria-labelledby points at the title and the description
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    labelled = root.get("aria-labelledby", "").split()
    assert labelled == [title.get("id"), desc.get("id")]
    assert set(labelled) <= ids
    for code, _ in MARKS:
        assert code in title.text
        assert code in desc.text
    # a viewBox so it scales with the page
    assert len(root.get("viewBox", "").split()) == 4


def test_every_stage_drawn_once_flow_in_order_side_band_apart():
    root = parse(session_svg(MARKS, "en"))
    groups = stage_groups(root)
    assert set(groups) == {s.value for s in Stage}
    flow = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "diagram-flow")
    side = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "diagram-side")
    flow_stages = [g.get("data-stage") for g in flow if g.get("data-stage")]
    assert flow_stages == [s.value for s in SESSION_FLOW]
    assert {g.get("data-stage") for g in side if g.get("data-stage")} == {"any", "other"}
    tops = [float(groups[s.value].find(f"{SVG}rect").get("y")) for s in SESSION_FLOW]
    assert tops == sorted(tops)
    flow_right = float(groups["connect"].find(f"{SVG}rect").get("x")) + float(
        groups["connect"].find(f"{SVG}rect").get("width")
    )
    for name in ("any", "other"):
        assert float(groups[name].find(f"{SVG}rect").get("x")) > flow_right


def test_marked_stages_carry_their_codes_and_no_other_stage_does():
    marks = [("354", ("data",)), ("535", ("auth",)), ("421", ("connect", "any"))]
    groups = stage_groups(parse(session_svg(marks, "en")))
    expected = {"data": ["354"], "auth": ["535"], "connect": ["421"], "any": ["421"]}
    for name, group in groups.items():
        assert badge_codes(group) == expected.get(name, []), name
        marked = "diagram-stage--marked" in group.get("class", "")
        assert marked == (name in expected), name


def test_badges_fit_inside_their_stage_box():
    marks = [(c, ("rcpt",)) for c in ("450", "550", "5.1.1")]
    for lang in ("en", "th"):
        group = stage_groups(parse(session_svg(marks, lang)))["rcpt"]
        box = group.find(f"{SVG}rect")
        left, right = float(box.get("x")), float(box.get("x")) + float(box.get("width"))
        for badge in group.iter(f"{SVG}g"):
            if badge.get("data-code") is None:
                continue
            rect = badge.find(f"{SVG}rect")
            x, w = float(rect.get("x")), float(rect.get("width"))
            assert left < x
            assert x + w < right


def test_codes_differ_by_more_than_colour():
    root = parse(session_svg(MARKS, "en"))
    looks = []
    for badge in root.iter(f"{SVG}g"):
        if badge.get("data-code") is None:
            continue
        rect, marker = badge[0], badge[1]
        looks.append((marker.tag, rect.get("stroke-dasharray"), "".join(badge.itertext())))
    assert len(looks) == 2
    assert looks[0][0] != looks[1][0]  # marker shape
    assert looks[0][1] != looks[1][1]  # border dash
    assert [t for _, _, t in looks] == ["535", "354"]  # the code itself (flow order)


def test_legend_lists_codes_with_titles_in_order():
    catalogue = load_catalogue()
    root = parse(session_svg(MARKS, "en"))
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "diagram-legend")
    lines = texts(legend)
    assert [line.split()[0] for line in lines] == ["354", "535"]
    assert catalogue.get("354").text["en"].title in lines[0]
    assert catalogue.get("535").text["en"].title in lines[1]


def test_thai_labels_and_words():
    phrases = load_catalogue().phrases("th")
    root = parse(session_svg(MARKS, "th"))
    drawn = texts(root)
    for stage in Stage:
        assert phrases["stage"][stage.value] in drawn
    english = load_catalogue().phrases("en")["stage"]
    assert english["connect"] not in drawn
    for element in (root.find(f"{SVG}title"), root.find(f"{SVG}desc")):
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in element.text)
    assert phrases["stage"]["data"] in root.find(f"{SVG}desc").text
    legend = "".join(drawn)
    assert load_catalogue().get("535").text["th"].title in legend
    # no font-family: the text inherits the page's (Thai) font
    assert "font-family" not in session_svg(MARKS, "th")


def test_text_is_escaped():
    nasty = '<script>alert("x")</script>&amp;'
    svg = session_svg([(nasty, ("rcpt",))], "en")
    assert "<script" not in svg
    root = parse(svg)
    assert nasty in texts(root)
    assert nasty in root.find(f"{SVG}title").text
    # ids stay plain even when a code is not
    for element in root.iter():
        if element.get("id"):
            assert all(ch.isalnum() or ch == "-" for ch in element.get("id"))


def test_deterministic_and_ids_differ_per_code_set():
    assert session_svg(MARKS, "en") == session_svg(list(MARKS), "en")
    one = parse(session_svg([("354", ("data",))], "en"))
    two = parse(session_svg([("535", ("auth",))], "en"))
    assert {e.get("id") for e in one.iter() if e.get("id")}.isdisjoint(
        {e.get("id") for e in two.iter() if e.get("id")}
    )


def test_no_marks_and_no_stages():
    root = parse(session_svg([], "en"))
    assert all(not badge_codes(g) for g in stage_groups(root).values())
    root = parse(session_svg([("599", ())], "en"))  # an unknown code: legend only
    assert all(not badge_codes(g) for g in stage_groups(root).values())
    assert "599" in root.find(f"{SVG}desc").text


def test_many_codes_in_the_side_band_grow_the_box():
    marks = [(c, ("any",)) for c in ("421", "500", "501", "503", "530", "554", "451")]
    root = parse(session_svg(marks, "th"))
    group = stage_groups(root)["any"]
    box = group.find(f"{SVG}rect")
    bottom = float(box.get("y")) + float(box.get("height"))
    for badge in group.iter(f"{SVG}g"):
        if badge.get("data-code"):
            rect = badge.find(f"{SVG}rect")
            assert float(rect.get("y")) + float(rect.get("height")) <= bottom
    other = stage_groups(root)["other"].find(f"{SVG}rect")
    assert float(other.get("y")) >= bottom  # the boxes do not overlap
    assert float(root.get("viewBox").split()[3]) >= float(other.get("y")) + float(
        other.get("height")
    )


def test_bad_input_says_what_was_wrong():
    with pytest.raises(ValueError, match="unknown stage 'body' for 354: expected one of"):
        session_svg([("354", ("body",))], "en")
    with pytest.raises(UnknownLanguageError):
        session_svg(MARKS, "xx")
