import os
import shutil

import pytest

from smtpcodes._errors import CatalogueError, UnknownCodeError
from smtpcodes.catalogue import load_catalogue
from smtpcodes.catalogue._format import BLOB_TABLES, BUNDLE_FORMAT
from smtpcodes.catalogue._loader import DATA_DIR, Catalogue, _read_bundle


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_bundle_is_compiled_then_reused_then_rebuilt_when_a_source_changes(tmp_path, data_copy):
    bundle = tmp_path / "out" / "bundle.marshal"
    first = _read_bundle(str(bundle), str(data_copy))
    assert bundle.exists()
    stamp = bundle.stat().st_mtime_ns
    assert _read_bundle(str(bundle), str(data_copy)) == first
    assert bundle.stat().st_mtime_ns == stamp  # fresh: read, not rewritten
    source = data_copy / "basic" / "535.toml"
    source.write_text(
        source.read_text("utf-8").replace(
            'title = "Authentication credentials invalid"', 'title = "Changed title"'
        ),
        "utf-8",
    )
    os.utime(source, ns=(stamp + 10**9, stamp + 10**9))
    rebuilt = Catalogue(_read_bundle(str(bundle), str(data_copy)))
    assert rebuilt.get("535").text["en"].title == "Changed title"


def test_damaged_bundle_is_rebuilt(tmp_path, data_copy):
    bundle = tmp_path / "bundle.marshal"
    bundle.write_bytes(b"\x00not a marshal file")
    future = 2**62
    os.utime(bundle, ns=(future, future))
    assert "entries" in _read_bundle(str(bundle), str(data_copy))


def test_malformed_source_names_the_file_and_field(tmp_path, data_copy):
    bad = data_copy / "basic" / "250.toml"
    bad.write_text(bad.read_text("utf-8").replace('tier = "standard"', "tier = 7"), "utf-8")
    with pytest.raises(CatalogueError, match=r"250\.toml.*tier"):
        _read_bundle(str(tmp_path / "b.marshal"), str(data_copy))


def test_file_name_must_be_the_code(tmp_path, data_copy):
    shutil.copy(data_copy / "basic" / "250.toml", data_copy / "basic" / "251x.toml")
    with pytest.raises(CatalogueError, match="file name must be the code"):
        _read_bundle(str(tmp_path / "b.marshal"), str(data_copy))


def test_lookup_and_unknown_code():
    catalogue = load_catalogue()
    assert catalogue.get("X.7.8").registry.sample_text == "Authentication credentials invalid"
    assert "535" in catalogue
    with pytest.raises(UnknownCodeError, match="599 is not in the catalogue"):
        catalogue.get("599")


def test_bundle_of_an_older_format_is_rebuilt(tmp_path, data_copy):
    import marshal

    bundle = tmp_path / "bundle.marshal"
    bundle.write_bytes(marshal.dumps({"entries": [], "format": 1}))
    future = 2**62
    os.utime(bundle, ns=(future, future))
    assert _read_bundle(str(bundle), str(data_copy))["format"] == BUNDLE_FORMAT == 4


def test_a_bundle_cut_short_is_rebuilt(tmp_path, data_copy):
    bundle = tmp_path / "bundle.marshal"
    _read_bundle(str(bundle), str(data_copy))
    whole = bundle.read_bytes()
    bundle.write_bytes(whole[:100])  # the header is cut
    future = 2**62
    os.utime(bundle, ns=(future, future))
    again = Catalogue(_read_bundle(str(bundle), str(data_copy)))
    assert again.get("535").text["en"].title == "Authentication credentials invalid"
    assert len(bundle.read_bytes()) == len(whole)


def test_the_mapped_bundle_serves_what_was_packed(tmp_path, data_copy):
    from smtpcodes.catalogue._compile import compile_sources, pack

    bundle = tmp_path / "bundle.marshal"
    _read_bundle(str(bundle), str(data_copy))  # written
    mapped = _read_bundle(str(bundle), str(data_copy))  # read back, mapped
    packed = pack(compile_sources(data_copy))
    for table in BLOB_TABLES:
        assert dict(mapped[table]) == packed[table]
    assert {k: v for k, v in mapped.items() if k not in BLOB_TABLES} == {
        k: v for k, v in packed.items() if k not in BLOB_TABLES
    }


def test_titles_come_from_the_header_as_the_entries_have_them():
    catalogue = load_catalogue()
    for lang in catalogue.languages:
        for code in catalogue.codes():
            assert catalogue.title(code, lang) == catalogue.get(code).text[lang].title
        only_vendor = [c for c in catalogue.vendor_codes() if c not in catalogue]
        assert only_vendor
        for code in only_vendor:
            assert catalogue.title(code, lang) == catalogue.vendor_uses(code)[0].text[lang].title
        assert catalogue.title("599", lang) == ""
