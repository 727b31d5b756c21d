"""check_messages: every check code told in en, zh-Hans and zh-Hant, with the same placeholders."""

from __future__ import annotations

import re
import string

import pytest

from verifier.messages import _CATALOGUE, LANGUAGES, check_messages

_NONE: frozenset[str] = frozenset()

EXPECTED: dict[str, frozenset[str]] = {
    "format.ok": _NONE,
    "format.not_jws": _NONE,
    "format.too_large": _NONE,
    "format.encoding": _NONE,
    "format.json": _NONE,
    "format.duplicate_key": _NONE,
    "format.payload": _NONE,
    "format.header": _NONE,
    "format.crit": _NONE,
    "format.alg_not_allowed": _NONE,
    "format.typ": _NONE,
    "format.cty": _NONE,
    "format.kid": _NONE,
    "format.credential": _NONE,
    "signature.ok": _NONE,
    "signature.invalid": _NONE,
    "issuer_known.ok": frozenset({"issuer"}),
    "issuer_known.unknown_kid": frozenset({"kid"}),
    "issuer_known.issuer_mismatch": frozenset({"kid", "issuer"}),
    "issuer_known.name_mismatch": frozenset({"issuer", "stated"}),
    "issuer_known.unknown_issuer": frozenset({"issuer"}),
    "key_valid_at_issuance.ok": frozenset({"kid"}),
    "key_valid_at_issuance.not_yet_valid": frozenset({"kid", "valid_from"}),
    "key_valid_at_issuance.expired": frozenset({"kid", "valid_until"}),
    "key_valid_at_issuance.compromised": frozenset({"kid", "compromised_at"}),
    "key_valid_at_issuance.compromised_no_log_evidence": frozenset({"kid", "compromised_at"}),
    "issuer_in_scope.ok": frozenset({"occupation", "level", "period"}),
    "issuer_in_scope.occupation_not_accredited": frozenset({"occupation"}),
    "issuer_in_scope.level_not_accredited": frozenset({"occupation", "level", "levels"}),
    "issuer_in_scope.outside_period": frozenset({"date", "period"}),
    "issuer_in_scope.suspended": frozenset({"date", "since"}),
    "issuer_in_scope.withdrawn": frozenset({"date", "since"}),
    "status.ok": frozenset({"checked_at"}),
    "status.revoked": frozenset({"checked_at"}),
    "status.suspended": frozenset({"checked_at"}),
    "status.no_entry": _NONE,
    "status.list_unavailable": _NONE,
    "status.list_invalid": _NONE,
    "status.stale": frozenset({"age", "limit"}),
    "checkpoint_signature.ok": frozenset({"origin", "size"}),
    "checkpoint_signature.invalid": _NONE,
    "checkpoint_signature.no_log_key": _NONE,
    "log_inclusion.ok": frozenset({"index", "size"}),
    "log_inclusion.no_evidence": _NONE,
    "log_inclusion.proof_invalid": _NONE,
    "log_inclusion.entry_mismatch": _NONE,
    "validity_period.ok": _NONE,
    "validity_period.not_yet_valid": frozenset({"valid_from"}),
    "validity_period.expired": frozenset({"valid_until"}),
    "recognition.recognized": frozenset({"target_level", "target_framework", "mapping", "version"}),
    "recognition.no_comparable_level": frozenset({"target_framework", "mapping", "version"}),
    "recognition.not_applicable": frozenset({"target_framework"}),
    "not_checked": _NONE,
}

CODES = sorted(EXPECTED)
WITH_PARAMS = [(code, name) for code in CODES for name in sorted(EXPECTED[code])]

# Simplified then Traditional, pair by pair: first the vocabulary of vocational skill
# certification, then the everyday words around it.
_PAIRS = (
    "证證书書销銷签簽钥鑰发發机機构構职職业業级級范範围圍志誌检檢点點泄洩备備暂暫"
    "这這个個没沒时時间間无無为為经經录錄记記该該验驗从從于於对對态態据據条條处處"
    "属屬确確认認过過项項写寫并並动動内內编編码碼误誤类類体體许許状狀报報带帶断斷"
    "启啓启啟实實适適开開头頭标標两兩现現数數应應请請电電组組后後栏欄规規则則"
)
SIMPLIFIED_ONLY = frozenset(_PAIRS[0::2])
TRADITIONAL_ONLY = frozenset(_PAIRS[1::2])

_CJK = re.compile(r"[\u4e00-\u9fff]")
_ASCII_PUNCTUATION = re.compile(r"[,.;:!?()]")


def _fields(template: str) -> list[tuple[str, str | None, str | None]]:
    return [
        (name, spec, conversion)
        for _, name, spec, conversion in string.Formatter().parse(template)
        if name is not None
    ]


def _literal(template: str) -> str:
    return "".join(text for text, *_ in string.Formatter().parse(template))


def _params(code: str) -> dict[str, str]:
    return {name: f"<{name}>" for name in EXPECTED[code]}


def test_catalogue_has_exactly_the_expected_codes() -> None:
    assert set(_CATALOGUE) == set(EXPECTED)


def test_languages() -> None:
    assert LANGUAGES == ("en", "zh-Hans", "zh-Hant")


@pytest.mark.parametrize("code", CODES)
def test_every_language_is_written(code: str) -> None:
    en, hans, hant = _CATALOGUE[code]
    assert en.strip()
    assert hans.strip()
    assert hant.strip()
    assert not _CJK.search(en)
    assert _CJK.search(hans)
    assert _CJK.search(hant)
    assert hans != hant
    assert not _ASCII_PUNCTUATION.search(_literal(hans))
    assert not _ASCII_PUNCTUATION.search(_literal(hant))


@pytest.mark.parametrize("code", CODES)
def test_placeholders_agree_across_languages(code: str) -> None:
    en = _CATALOGUE[code][0]
    assert {name for name, _, _ in _fields(en)} == EXPECTED[code]
    for lang, template in zip(LANGUAGES, _CATALOGUE[code], strict=True):
        fields = _fields(template)
        assert {name for name, _, _ in fields} == EXPECTED[code], lang
        for name, spec, conversion in fields:
            assert name.isidentifier(), (lang, name)
            assert not spec, (lang, name)
            assert conversion is None, (lang, name)


@pytest.mark.parametrize("code", CODES)
def test_simplified_and_traditional_are_not_mixed(code: str) -> None:
    _, hans, hant = _CATALOGUE[code]
    assert not set(hans) & TRADITIONAL_ONLY, sorted(set(hans) & TRADITIONAL_ONLY)
    assert not set(hant) & SIMPLIFIED_ONLY, sorted(set(hant) & SIMPLIFIED_ONLY)


def test_the_character_check_would_catch_a_mixed_script() -> None:
    assert len(_PAIRS) % 2 == 0
    assert not SIMPLIFIED_ONLY & TRADITIONAL_ONLY
    assert set("此證書已被撤銷。") & TRADITIONAL_ONLY
    assert set("此证书已被撤销。") & SIMPLIFIED_ONLY
    for required in "證書銷簽鑰發機構職業級範圍誌檢點":
        assert required in TRADITIONAL_ONLY
    for required in "证书销签钥发机构职业级范围志检点":
        assert required in SIMPLIFIED_ONLY


@pytest.mark.parametrize("code", CODES)
def test_every_parameter_is_filled_in(code: str) -> None:
    params = _params(code)
    messages = check_messages(code, params)
    assert list(messages) == list(LANGUAGES)
    for lang, message in messages.items():
        for value in params.values():
            assert value in message, (lang, value)
        assert "{" not in message, lang
        assert "}" not in message, lang


@pytest.mark.parametrize(("code", "name"), WITH_PARAMS)
def test_a_missing_parameter_raises_key_error(code: str, name: str) -> None:
    params = _params(code)
    del params[name]
    with pytest.raises(KeyError, match=name):
        check_messages(code, params)


@pytest.mark.parametrize("code", ["status.revoked", "issuer_known.issuer_mismatch"])
def test_braces_in_a_value_are_inserted_literally(code: str) -> None:
    params = dict.fromkeys(EXPECTED[code], "{x}")
    for message in check_messages(code, params).values():
        assert "{x}" in message
    params = dict.fromkeys(EXPECTED[code], "{0} {kid!r} }}{{ {{x}}")
    for message in check_messages(code, params).values():
        assert "{0} {kid!r} }}{{ {{x}}" in message


def test_extra_parameters_are_ignored() -> None:
    assert check_messages("signature.ok", {"kid": "k1", "unused": "{x}"}) == check_messages(
        "signature.ok", {}
    )


@pytest.mark.parametrize("code", ["", "status", "status.unknown", "STATUS.OK", "format.ok "])
def test_an_unknown_code_raises_key_error(code: str) -> None:
    with pytest.raises(KeyError):
        check_messages(code, {})


def test_revoked_reads_plainly() -> None:
    messages = check_messages("status.revoked", {"checked_at": "2026-11-23T08:00:00Z"})
    assert messages["en"].startswith("This certificate has been revoked (")
    assert messages["zh-Hans"].startswith("此证书已被撤销（")
    assert messages["zh-Hant"].startswith("此證書已被撤銷（")
    assert all("2026-11-23T08:00:00Z" in message for message in messages.values())


@pytest.mark.parametrize("code", ["issuer_in_scope.ok", "issuer_in_scope.outside_period"])
@pytest.mark.parametrize(
    ("until", "expected"),
    [
        (
            "2029-12-31",
            {
                "en": "from 2024-01-01 to 2029-12-31 inclusive",
                "zh-Hans": "2024-01-01 至 2029-12-31",
                "zh-Hant": "2024-01-01 至 2029-12-31",
            },
        ),
        (
            "",
            {
                "en": "from 2024-01-01, no end date",
                "zh-Hans": "2024-01-01 起长期有效",
                "zh-Hant": "2024-01-01 起長期有效",
            },
        ),
    ],
)
def test_an_accreditation_period_is_told_in_each_language(
    code: str, until: str, expected: dict[str, str]
) -> None:
    params = {**_params(code), "scope_from": "2024-01-01", "scope_until": until}
    messages = check_messages(code, params)
    for lang in LANGUAGES:
        assert expected[lang] in messages[lang], (lang, messages[lang])
    for lang in ("zh-Hans", "zh-Hant"):
        words = set(re.findall(r"[a-z-]+", messages[lang]))
        assert not words & {"from", "to", "inclusive", "open-ended"}, (lang, messages[lang])
