import pytest

from smtpcodes.codes import BasicCode, CodeSyntaxError, EnhancedCode, ReplyClass, Subject


@pytest.mark.parametrize(
    ("text", "value", "klass"),
    [
        ("250", 250, ReplyClass.POSITIVE_COMPLETION),
        ("354", 354, ReplyClass.POSITIVE_INTERMEDIATE),
        ("421", 421, ReplyClass.TRANSIENT_NEGATIVE),
        (" 550 ", 550, ReplyClass.PERMANENT_NEGATIVE),
    ],
)
def test_basic_code_parses_and_knows_its_class(text, value, klass):
    code = BasicCode.parse(text)
    assert code.value == value
    assert code.reply_class is klass


@pytest.mark.parametrize("text", ["99", "5500", "abc", "", "5.1.1", "２５０"])
def test_basic_code_rejects_what_is_not_three_digits(text):
    with pytest.raises(CodeSyntaxError, match="three digits"):
        BasicCode.parse(text)


def test_basic_code_outside_classes_has_no_class():
    assert BasicCode.parse("650").reply_class is None
    assert BasicCode.parse("101").reply_class is None


def test_standard_codes_are_flagged():
    assert BasicCode(535).is_standard
    assert not BasicCode(420).is_standard


def test_enhanced_code_round_trip_and_subject():
    code = EnhancedCode.parse("5.7.8")
    assert str(code) == "5.7.8"
    assert code.subject_kind is Subject.SECURITY_POLICY
    assert str(code.generic) == "X.7.8"
    assert str(EnhancedCode.parse("x.1.10")) == "X.1.10"


@pytest.mark.parametrize("text", ["6.1.1", "3.0.0", "5.1", "5.1.1.1", "5.1234.1", "a.b.c"])
def test_enhanced_code_rejects_bad_forms(text):
    with pytest.raises(CodeSyntaxError, match=r"class\.subject\.detail"):
        EnhancedCode.parse(text)
