"""The verify page's own words in each language, and which language a request gets.

Check outcomes are not here: they come from ``verifier.messages``, the same sentences the CLI and
the API give, so the page can never explain a result differently from the report behind it.
"""

from __future__ import annotations

from verifier.messages import LANGUAGES

__all__ = ["LANGUAGE_NAMES", "TEXT", "choose_language"]

LANGUAGE_NAMES = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}

_DEFAULT = "zh-Hans"
"""Most readers are Mainland employers; a browser that names no language we have gets this."""

TEXT: dict[str, dict[str, str]] = {
    "title": {
        "zh-Hans": "职业技能等级证书核验",
        "zh-Hant": "職業技能等級證書核驗",
        "en": "Skill certificate verification",
    },
    "valid": {"zh-Hans": "有效", "zh-Hant": "有效", "en": "Valid"},
    "invalid": {"zh-Hans": "无效", "zh-Hant": "無效", "en": "Not valid"},
    "cannot_tell": {"zh-Hans": "无法判定", "zh-Hant": "無法判定", "en": "Cannot tell"},
    "valid_lead": {
        "zh-Hans": "此证书真实、在发证机构备案范围内、未被撤销。",
        "zh-Hant": "此證書真實、在發證機構備案範圍內、未被撤銷。",
        "en": "This certificate is genuine, within its issuer's accreditation, and not revoked.",
    },
    "invalid_lead": {
        "zh-Hans": "请勿接受此证书。原因：",
        "zh-Hant": "請勿接受此證書。原因：",
        "en": "Do not accept this certificate. Why:",
    },
    "cannot_tell_lead": {
        "zh-Hans": "目前无法确认此证书。原因：",
        "zh-Hant": "目前無法確認此證書。原因：",
        "en": "This certificate cannot be confirmed now. Why:",
    },
    "holder": {"zh-Hans": "持证人", "zh-Hant": "持證人", "en": "Holder"},
    "occupation": {"zh-Hans": "职业（工种）", "zh-Hant": "職業（工種）", "en": "Occupation"},
    "level": {"zh-Hans": "等级", "zh-Hant": "等級", "en": "Level"},
    "certificate_number": {"zh-Hans": "证书编号", "zh-Hant": "證書編號", "en": "Certificate no."},
    "issuer": {"zh-Hans": "发证机构", "zh-Hant": "發證機構", "en": "Issued by"},
    "accreditation": {"zh-Hans": "备案范围", "zh-Hant": "備案範圍", "en": "Accreditation"},
    "issued_on": {"zh-Hans": "发证日期", "zh-Hant": "發證日期", "en": "Issued on"},
    "valid_until": {"zh-Hans": "有效期至", "zh-Hant": "有效期至", "en": "Valid until"},
    "no_end": {"zh-Hans": "长期有效", "zh-Hant": "長期有效", "en": "No end date"},
    "status": {"zh-Hans": "状态", "zh-Hant": "狀態", "en": "Status"},
    "log": {"zh-Hans": "登记记录", "zh-Hant": "登記記錄", "en": "Registry log"},
    "log_entry": {
        "zh-Hans": "第 {index} 条（日志规模 {size}）",
        "zh-Hant": "第 {index} 條（日誌規模 {size}）",
        "en": "entry {index} of {size}",
    },
    "proof": {"zh-Hans": "包含证明", "zh-Hant": "包含證明", "en": "inclusion proof"},
    "not_logged": {"zh-Hans": "未登记", "zh-Hant": "未登記", "en": "not in the log"},
    "recognition": {
        "zh-Hans": "港澳资历对照",
        "zh-Hant": "港澳資歷對照",
        "en": "Recognition in Hong Kong and Macao",
    },
    "checks": {"zh-Hans": "全部核验项", "zh-Hant": "全部核驗項", "en": "All checks"},
    "id_check": {
        "zh-Hans": "核对身份证号",
        "zh-Hant": "核對身份證號",
        "en": "Check the ID card number",
    },
    "id_check_help": {
        "zh-Hans": "输入持证人出示的身份证号，与证书中加盐散列的号码比对。号码不会被记录。",
        "zh-Hant": "輸入持證人出示的身份證號，與證書中加鹽雜湊的號碼比對。號碼不會被記錄。",
        "en": "Type the number on the ID card shown to you; it is compared with the salted "
        "hash in the certificate and never recorded.",
    },
    "id_check_button": {"zh-Hans": "核对", "zh-Hant": "核對", "en": "Check"},
    "id_matches": {
        "zh-Hans": "身份证号与证书相符。",
        "zh-Hant": "身份證號與證書相符。",
        "en": "The ID card number matches this certificate.",
    },
    "id_differs": {
        "zh-Hans": "身份证号与证书不符。",
        "zh-Hant": "身份證號與證書不符。",
        "en": "The ID card number does NOT match this certificate.",
    },
    "search": {
        "zh-Hans": "扫描或粘贴核验网址、证书 JWS",
        "zh-Hant": "掃描或貼上核驗網址、證書 JWS",
        "en": "Scan or paste a verify URL or a certificate JWS",
    },
    "search_button": {"zh-Hans": "核验", "zh-Hant": "核驗", "en": "Verify"},
    "not_found": {
        "zh-Hans": "登记处中没有此证书。",
        "zh-Hant": "登記處中沒有此證書。",
        "en": "The registry holds no such certificate.",
    },
    "active": {"zh-Hans": "正常", "zh-Hant": "正常", "en": "Active"},
    "revoked": {"zh-Hans": "已撤销", "zh-Hant": "已撤銷", "en": "Revoked"},
    "suspended": {"zh-Hans": "已暂停", "zh-Hant": "已暫停", "en": "Suspended"},
    "unknown": {"zh-Hans": "未知", "zh-Hant": "未知", "en": "Unknown"},
}

_TRADITIONAL = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def _tag_language(tag: str) -> str | None:
    tag = tag.strip().lower()
    if tag.startswith(_TRADITIONAL):
        return "zh-Hant"
    if tag.startswith("zh"):
        return "zh-Hans"
    if tag.startswith("en"):
        return "en"
    return None


_BY_LOWER_CASE = {language.lower(): language for language in LANGUAGES}


def choose_language(asked: str | None, accept_language: str | None) -> str:
    """``?lang=`` when it names one of ours; else the first Accept-Language tag, in the client's
    order of preference (RFC 9110 §12.5.4 ``q`` values), that we can answer in. Tags (BCP 47
    §2.1.1) and the ``q`` parameter's name (RFC 9110 §5.6.6) are read in any case."""
    if asked is not None and asked.lower() in _BY_LOWER_CASE:
        return _BY_LOWER_CASE[asked.lower()]
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, parameters = item.partition(";")
        weight = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value)
            except ValueError:
                continue
        language = _tag_language(tag)
        if language is not None and weight > 0:
            ranked.append((-weight, position, language))
    return min(ranked)[2] if ranked else _DEFAULT
