import pytest

from smtpcodes.i18n import language_from_env, negotiate

AVAILABLE = ("en", "th")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "en"),
        ({"LANG": "th_TH.UTF-8"}, "th"),
        ({"LC_ALL": "th_TH", "LANG": "en_US"}, "th"),
        ({"LC_ALL": "fr_FR.UTF-8", "LANG": "th_TH"}, "en"),
        ({"LANG": "C"}, "en"),
        ({"LANGUAGE": "fr:th", "LANG": "en_US"}, "th"),
    ],
)
def test_language_from_env(env, expected):
    assert language_from_env(env, AVAILABLE) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("th-TH,th;q=0.9,en;q=0.8", "th"),
        ("en-US,en;q=0.9", "en"),
        ("fr, th;q=0.5", "th"),
        ("de", "en"),
        ("", "en"),
        ("th;q=0", "en"),
        ("*", "en"),
        ("th;q=abc, en;q=0.1", "en"),
    ],
)
def test_accept_language_negotiation(header, expected):
    assert negotiate(header, AVAILABLE) == expected
