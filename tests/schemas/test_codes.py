"""Certificate numbers, occupation codes and tables, level frameworks."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.certificate_number import parse_certificate_number
from schemas.errors import (
    InvalidCertificateNumber,
    InvalidOccupationCode,
    MalformedDocument,
    UnknownFramework,
    UnknownLevel,
    UnknownOccupation,
)
from schemas.frameworks import builtin_framework, builtin_framework_ids, parse_framework
from schemas.occupations import (
    builtin_occupation_table,
    load_occupation_table,
    validate_occupation_code,
)


def test_certificate_number_parts() -> None:
    number = parse_certificate_number("S123444030100244000042")
    assert (number.prefix, number.appraisal_body, number.province, number.station) == (
        "S",
        "1234",
        "44",
        "030100",
    )
    assert (number.year, number.level, number.serial) == ("24", "4", "000042")
    assert str(number) == "S123444030100244000042"


@pytest.mark.parametrize(
    "text",
    [
        "X123444030100124000042",
        "S12344403010012400004",
        "S1234440301002440000421",
        "s123444030100124000042",
        "S12344403010012400004a",
        "",
    ],
)
def test_certificate_number_rejects(text: str) -> None:
    with pytest.raises(InvalidCertificateNumber):
        parse_certificate_number(text)


@pytest.mark.parametrize("code", ["6-31-01-03", "1-01-00-01", "8-00-00-00"])
def test_occupation_code_form(code: str) -> None:
    assert validate_occupation_code(code) == code


@pytest.mark.parametrize(
    "code", ["6-31-01-3", "63101 03", "9-31-01-03", "0-31-01-03", "6-31-01-03 "]
)
def test_occupation_code_rejects(code: str) -> None:
    with pytest.raises(InvalidOccupationCode):
        validate_occupation_code(code)


def test_builtin_table_has_the_2022_sample() -> None:
    table = builtin_occupation_table()
    assert table.edition == "CN-OC-2022"
    assert len(table) == 14
    assert table.lookup("6-31-01-03").name_zh == "电工"
    assert [o.code for o in table.matching("4-03-02-*")] == [
        "4-03-02-01",
        "4-03-02-02",
        "4-03-02-03",
        "4-03-02-04",
    ]
    with pytest.raises(UnknownOccupation, match="CN-OC-2022"):
        table.lookup("6-31-01-99")
    with pytest.raises(InvalidOccupationCode):
        table.lookup("electrician")
    with pytest.raises(UnknownOccupation):
        builtin_occupation_table("CN-OC-1999")


def test_load_table_names_file_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "occ.csv"
    path.write_text("code,name_zh,name_en\n6-31-01-03,电工,Electrician\n6-31-1-03,x,y\n")
    with pytest.raises(MalformedDocument, match=r"occ.csv:3:code: "):
        load_occupation_table(path, "T")
    path.write_text("code,name_zh,name_en\n6-31-01-03,电工,E\n6-31-01-03,电工,E\n")
    with pytest.raises(MalformedDocument, match=r"occ.csv:3:code: duplicate"):
        load_occupation_table(path, "T")
    path.write_text("code,name\n")
    with pytest.raises(MalformedDocument, match=r"occ.csv:1: missing column"):
        load_occupation_table(path, "T")


def test_frameworks_are_data() -> None:
    assert builtin_framework_ids() == ["CN-VQ-5", "CN-VQ-8", "HKQF", "MO-VSR"]
    five = builtin_framework("CN-VQ-5")
    assert [lv.code for lv in five.levels] == ["5", "4", "3", "2", "1"]
    assert five.level("1").name["zh-Hans"] == "高级技师"
    eight = builtin_framework("CN-VQ-8")
    assert eight.levels[0].code == "apprentice"
    assert [lv.code for lv in eight.levels][-2:] == ["principal", "chief"]
    assert eight.level("chief").rank > eight.level("1").rank > eight.level("apprentice").rank
    assert [lv.code for lv in builtin_framework("HKQF").levels] == [str(i) for i in range(1, 8)]
    with pytest.raises(UnknownLevel, match="valid: 5, 4, 3, 2, 1"):
        five.level("6")
    with pytest.raises(UnknownFramework):
        builtin_framework("NOPE")


def test_framework_document_is_checked() -> None:
    names = {"en": "a", "zh-Hans": "b", "zh-Hant": "c"}
    good = {"id": "X", "name": names, "levels": [{"code": "1", "rank": 1, "name": names}]}
    assert parse_framework(good).levels[0].code == "1"
    twice = {**good, "levels": good["levels"] * 2}
    with pytest.raises(MalformedDocument, match="unique"):
        parse_framework(twice)
    no_zh = {**good, "name": {"en": "a"}}
    with pytest.raises(MalformedDocument, match="zh-Hans"):
        parse_framework(no_zh)
