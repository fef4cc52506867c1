import pytest

from smtpcodes.explain import canonical_pair, compare


def dims(comparison):
    return [d.dimension for d in comparison.differences]


def test_354_vs_535_differs_along_real_dimensions():
    c = compare("354", "535", "en")
    assert {"class", "stage", "next_step", "retry", "enhanced"} <= set(dims(c))
    assert "who" not in dims(c)  # both are the client's to act on
    assert c.title == "SMTP 354 Start mail input vs 535 Authentication credentials invalid"
    stage = next(d for d in c.differences if d.dimension == "stage").sentence
    assert "DATA" in stage
    assert "AUTH" in stage
    assert any(row.key == "retry" and row.differs for row in c.table)
    assert any("rfc4954" in link.url for link in c.learn_more)
    assert len(c.when_which) >= 2


def test_thai_comparison_has_no_english_sentences():
    c = compare("354", "535", "th")
    for text in (c.title, c.intro, *(d.sentence for d in c.differences), *c.when_which):
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in text), text
    assert "Start mail input" not in c.intro


def test_same_class_pair_is_explained_by_what_differs_inside_the_class():
    c = compare("450", "550", "en")
    assert "class" in dims(c)
    c = compare("550", "553", "en")
    assert "class" not in dims(c)
    assert any(d.dimension == "class" for d in c.shared)


def test_code_with_itself_is_a_clear_answer():
    c = compare("535", "535", "en")
    assert c.same
    assert c.differences == ()
    assert "itself" in c.intro


def test_curated_confusion_note_is_used():
    c = compare("535", "530", "en")
    assert "530" in c.curated_note
    assert "535" in c.curated_note


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("535", "354", ("354", "535")),
        ("5.2.1", "5.1.1", ("5.1.1", "5.2.1")),
        ("5.7.1", "550", ("550", "5.7.1")),
        ("5.2.2", "4.2.2", ("4.2.2", "5.2.2")),
    ],
)
def test_canonical_order_is_ascending(a, b, expected):
    assert canonical_pair(a, b) == expected


def test_mixed_kinds_compare():
    c = compare("550", "5.7.1", "en")
    assert "kind" in dims(c)
