"""Properties of the reply parser (DESIGN.md section 7.7)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from smtpcodes.protocol import Reply, ReplyParseError, ReplyParser, parse_replies, parse_reply

settings.register_profile("ci", max_examples=300, deadline=None)
settings.load_profile("ci")

line_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60)
codes = st.integers(min_value=200, max_value=599).map(str)
enhanced = st.builds(
    lambda c, s, d: f"{c}.{s}.{d} ", st.sampled_from("245"), st.integers(0, 9), st.integers(0, 30)
) | st.just("")


@st.composite
def replies(draw):
    code = draw(codes)
    extra = draw(st.integers(min_value=0, max_value=4))
    texts = draw(st.lists(line_text, min_size=extra + 1, max_size=extra + 1))
    prefix = draw(enhanced)
    lines = [f"{code}-{prefix}{t}" for t in texts[:-1]] + [f"{code} {prefix}{texts[-1]}"]
    ending = draw(st.sampled_from(["\r\n", "\n"]))
    return ending.join(lines) + ending


@given(st.binary(max_size=300))
def test_parse_reply_returns_a_reply_or_raises_our_error(data):
    try:
        result = parse_reply(data)
    except ReplyParseError:
        return
    assert isinstance(result, Reply)


@given(st.text(max_size=300))
def test_parse_reply_on_any_text(text):
    try:
        result = parse_reply(text)
    except ReplyParseError:
        return
    assert isinstance(result, Reply)


@given(replies())
def test_generated_replies_parse_with_their_code(text):
    reply = parse_reply(text)
    assert reply.code_text == text[:3]
    assert len(reply.lines) == text.count("\n")


@given(st.lists(replies(), min_size=1, max_size=4), st.data())
def test_chunked_feeding_equals_whole_feeding(texts, data):
    whole = "".join(texts).encode()
    cuts = sorted(data.draw(st.lists(st.integers(0, len(whole)), max_size=8)))
    parser = ReplyParser(wire=True)
    got = []
    start = 0
    for cut in [*cuts, len(whole)]:
        got += parser.feed(whole[start:cut])
        start = cut
    got += parser.close()
    assert got == parse_replies(whole, wire=True)
    assert len(got) == len(texts)
