import pytest

from smtpcodes._errors import CodeSyntaxError, ReplyParseError, UnknownLanguageError
from smtpcodes.codes import BasicCode, EnhancedCode
from smtpcodes.explain import code_info, explain
from smtpcodes.protocol import parse_reply


def test_explain_a_basic_code():
    expl = explain("535", "en")
    assert expl.reply is None
    assert expl.basic is not None
    assert expl.basic.code == "535"
    assert expl.basic.title == "Authentication credentials invalid"
    facts = {f.key: f.raw for f in expl.basic.facts}
    assert facts["stage"] == ("auth",)
    assert facts["retry"] == ("never-unchanged",)
    assert "5.7.8" in facts["enhanced"]


def test_explain_a_full_reply_combines_both_halves():
    expl = explain("550 5.1.1 <nobody@example.org>: Recipient address rejected", "en")
    assert expl.reply is not None
    assert expl.reply.enhanced == "5.1.1"
    assert expl.basic is not None
    assert expl.basic.code == "550"
    assert expl.enhanced is not None
    assert expl.enhanced.code == "5.1.1"
    assert expl.headline.startswith("550 5.1.1: permanent failure")
    assert "Addressing" in expl.headline


def test_explain_reports_findings_in_the_reader_language():
    en = explain("550 4.7.1 Client host rejected", "en")
    th = explain("550 4.7.1 Client host rejected", "th")
    assert [f.kind for f in en.findings] == ["class-mismatch"]
    assert "4.7.1" in en.findings[0].message
    assert "550" in en.findings[0].message
    assert th.findings[0].message != en.findings[0].message
    assert "ประเภท" in th.findings[0].message


def test_explain_accepts_reply_objects_and_bytes():
    reply = parse_reply("421 4.7.0 Try again later, closing connection")
    assert explain(reply, "en").basic.code == "421"
    assert explain(b"421 4.7.0 Try again later", "en").enhanced.code == "4.7.0"
    assert explain(BasicCode(535), "en").basic.code == "535"
    assert explain(EnhancedCode(5, 7, 8), "en").enhanced.code == "5.7.8"


class _Text(str):
    pass


def test_explain_accepts_str_subclasses_and_rejects_other_types_by_name():
    assert explain(_Text("550 5.1.1 no such user"), "en").reason.id == "userunknown"
    with pytest.raises(TypeError, match="str, bytes, Reply, BasicCode or EnhancedCode, not int"):
        explain(550, "en")  # type: ignore[arg-type]


def test_unknown_but_valid_code_is_explained_by_its_digits():
    info = code_info("599", "en")
    assert not info.known
    assert info.class_digit == 5
    assert info.retry == "never-unchanged"
    assert "599" in info.summary


@pytest.mark.parametrize("text", ["99", "6.1.1", "5.1"])
def test_malformed_codes_raise_code_syntax_error(text):
    with pytest.raises(CodeSyntaxError):
        explain(text, "en")


def test_text_that_is_no_reply_raises_reply_parse_error():
    with pytest.raises(ReplyParseError):
        explain("hello there", "en")


def test_unknown_language_raises():
    with pytest.raises(UnknownLanguageError, match="expected one of en, th"):
        explain("535", "fr")


def test_thai_explanation_is_thai():
    info = code_info("535", "th")
    assert info.title == "ข้อมูลยืนยันตัวตนไม่ถูกต้อง"
    assert "AUTH" in info.description  # protocol words stay in Latin script
    assert all(fact.label for fact in info.facts)


def test_354_never_has_an_enhanced_code_and_its_facts_say_so():
    info = code_info("354", "en")
    assert info.typical == ()
    assert info.next_step == "send-message"
