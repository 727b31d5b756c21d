"""What each check result says to a person, in English, Simplified and Traditional Chinese.

The command line, the HTTP API and the verify page all take their wording from
``check_messages``, so every surface tells an employer the same thing for the same check code,
in the reader's own language, in short plain sentences. The catalogue is one literal so that a
missing code or language shows up in a test rather than on someone's phone.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["LANGUAGES", "accreditation_period", "check_messages"]

LANGUAGES: tuple[str, ...] = ("en", "zh-Hans", "zh-Hant")

_CATALOGUE: dict[str, tuple[str, str, str]] = {
    # format
    "format.ok": (
        "The certificate is a well-formed signed credential.",
        "证书格式正确，是一份经过签名的电子证书。",
        "證書格式正確，是一份經過簽名的電子證書。",
    ),
    "format.not_jws": (
        "This is not a signed certificate (it does not have the three parts of a JWS).",
        "这不是经过签名的证书（不具备 JWS 签名格式的三个组成部分）。",
        "這不是經過簽名的證書（不具備 JWS 簽名格式的三個組成部分）。",
    ),
    "format.too_large": (
        "This is not a valid certificate: it is too large.",
        "这不是有效的证书：内容过大。",
        "這不是有效的證書：內容過大。",
    ),
    "format.encoding": (
        "This is not a valid certificate: its text is not correctly encoded.",
        "这不是有效的证书：文字编码有误。",
        "這不是有效的證書：文字編碼有誤。",
    ),
    "format.json": (
        "This is not a valid certificate: its content is not valid JSON.",
        "这不是有效的证书：内容不是有效的 JSON。",
        "這不是有效的證書：內容不是有效的 JSON。",
    ),
    "format.duplicate_key": (
        "This is not a valid certificate: a field appears twice.",
        "这不是有效的证书：同一字段出现了两次。",
        "這不是有效的證書：同一欄位出現了兩次。",
    ),
    "format.payload": (
        "This is not a valid certificate: its content is not a JSON object.",
        "这不是有效的证书：内容不是 JSON 对象。",
        "這不是有效的證書：內容不是 JSON 物件。",
    ),
    "format.header": (
        "This is not a valid certificate: its signature header is malformed.",
        "这不是有效的证书：签名头部的格式有误。",
        "這不是有效的證書：簽名標頭的格式有誤。",
    ),
    "format.crit": (
        "This is not a valid certificate: it uses an extension that this verifier does not"
        " support.",
        "这不是有效的证书：使用了本验证程序不支持的扩展功能。",
        "這不是有效的證書：使用了本驗證程式不支援的擴充功能。",
    ),
    "format.alg_not_allowed": (
        "This is not a valid certificate: it is signed with an algorithm that is not allowed"
        " (only Ed25519 is).",
        "这不是有效的证书：使用了不允许的签名算法（只允许 Ed25519）。",
        "這不是有效的證書：使用了不容許的簽名演算法（只容許 Ed25519）。",
    ),
    "format.typ": (
        "This is not a valid certificate: its media type (typ) is wrong.",
        "这不是有效的证书：媒体类型（typ）不正确。",
        "這不是有效的證書：媒體類型（typ）不正確。",
    ),
    "format.cty": (
        "This is not a valid certificate: its content type (cty) is wrong.",
        "这不是有效的证书：内容类型（cty）不正确。",
        "這不是有效的證書：內容類型（cty）不正確。",
    ),
    "format.kid": (
        "This is not a valid certificate: it does not name its signing key.",
        "这不是有效的证书：没有注明签名所用的密钥。",
        "這不是有效的證書：沒有註明簽名所用的密鑰。",
    ),
    "format.credential": (
        "This is not a valid skill-level certificate: required information is missing or wrong.",
        "这不是有效的职业技能等级证书：缺少必需的信息，或信息有误。",
        "這不是有效的職業技能等級證書：缺少必需的資料，或資料有誤。",
    ),
    # signature
    "signature.ok": (
        "The issuing body's signature is genuine.",
        "发证机构的签名真实有效。",
        "發證機構的簽名真實有效。",
    ),
    "signature.invalid": (
        "The signature does not match: the certificate was altered or not signed by this"
        " issuing body.",
        "签名不符：证书已被改动，或并非由该发证机构签发。",
        "簽名不符：證書已被改動，或並非由該發證機構簽發。",
    ),
    # issuer_known
    "issuer_known.ok": (
        "Signed by a registered issuing body, {issuer}.",
        "由已登记的发证机构{issuer}签发。",
        "由已登記的發證機構{issuer}簽發。",
    ),
    "issuer_known.unknown_kid": (
        "The signing key {kid} is not known to the registry.",
        "登记处没有签名密钥 {kid} 的记录。",
        "登記處沒有簽名密鑰 {kid} 的記錄。",
    ),
    "issuer_known.issuer_mismatch": (
        "The signing key {kid} does not belong to the issuing body named on the certificate"
        " ({issuer}).",
        "签名密钥 {kid} 不属于证书上写明的发证机构（{issuer}）。",
        "簽名密鑰 {kid} 不屬於證書上寫明的發證機構（{issuer}）。",
    ),
    "issuer_known.name_mismatch": (
        'The certificate names its issuing body "{stated}", but in the registry\'s directory'
        " its signing key belongs to {issuer}.",
        "证书上写的发证机构是“{stated}”，但在登记处名录中，其签名密钥属于{issuer}。",
        "證書上寫的發證機構是「{stated}」，但在登記處名錄中，其簽名密鑰屬於{issuer}。",
    ),
    "issuer_known.unknown_issuer": (
        "{issuer} is not in the registry's directory of issuing bodies.",
        "登记处的发证机构名录中没有{issuer}。",
        "登記處的發證機構名錄中沒有{issuer}。",
    ),
    # key_valid_at_issuance
    "key_valid_at_issuance.ok": (
        "The signing key {kid} was valid when the certificate was issued.",
        "证书签发时，签名密钥 {kid} 处于有效期内。",
        "證書簽發時，簽名密鑰 {kid} 處於有效期內。",
    ),
    "key_valid_at_issuance.not_yet_valid": (
        "The certificate was signed before the signing key {kid} came into use ({valid_from}).",
        "证书是在签名密钥 {kid} 启用之前签名的（该密钥自 {valid_from} 起启用）。",
        "證書是在簽名密鑰 {kid} 啓用之前簽名的（該密鑰自 {valid_from} 起啓用）。",
    ),
    "key_valid_at_issuance.expired": (
        "The certificate was signed after the signing key {kid} was retired ({valid_until}).",
        "证书是在签名密钥 {kid} 停用之后签名的（该密钥已于 {valid_until} 停用）。",
        "證書是在簽名密鑰 {kid} 停用之後簽名的（該密鑰已於 {valid_until} 停用）。",
    ),
    "key_valid_at_issuance.compromised": (
        "The signing key {kid} was reported compromised at {compromised_at}, and this"
        " certificate was not recorded in the registry's log before then.",
        "签名密钥 {kid} 已于 {compromised_at} 被报告泄露，而此证书在此之前并未记入登记处的"
        "透明日志。",
        "簽名密鑰 {kid} 已於 {compromised_at} 被報告洩露，而此證書在此之前並未記入登記處的"
        "透明日誌。",
    ),
    "key_valid_at_issuance.compromised_no_log_evidence": (
        "The signing key {kid} was reported compromised at {compromised_at}; without the"
        " registry's log record, nobody can tell whether this certificate was issued before"
        " then.",
        "签名密钥 {kid} 已于 {compromised_at} 被报告泄露；没有登记处透明日志的记录，"
        "无法确定此证书是否在此之前签发。",
        "簽名密鑰 {kid} 已於 {compromised_at} 被報告洩露；沒有登記處透明日誌的記錄，"
        "無法確定此證書是否在此之前簽發。",
    ),
    # issuer_in_scope
    "issuer_in_scope.ok": (
        "The issuing body is accredited for {occupation} at {level} ({period}).",
        "发证机构的备案范围包括{occupation}的{level}（{period}）。",
        "發證機構的備案範圍包括{occupation}的{level}（{period}）。",
    ),
    "issuer_in_scope.occupation_not_accredited": (
        "The issuing body is not accredited to certify {occupation}.",
        "发证机构的备案范围不包括{occupation}。",
        "發證機構的備案範圍不包括{occupation}。",
    ),
    "issuer_in_scope.level_not_accredited": (
        "The issuing body is accredited for {occupation} only at {levels}, not at {level}.",
        "发证机构对{occupation}的备案范围只包括{levels}，不包括{level}。",
        "發證機構對{occupation}的備案範圍只包括{levels}，不包括{level}。",
    ),
    "issuer_in_scope.outside_period": (
        "On {date} the issuing body was not accredited for this (its accreditation runs {period}).",
        "在 {date}，发证机构的这项备案尚未生效或已经到期（备案有效期：{period}）。",
        "在 {date}，發證機構的這項備案尚未生效或已經到期（備案有效期：{period}）。",
    ),
    "issuer_in_scope.suspended": (
        "The issuing body was suspended (since {since}) on {date}, when this certificate was"
        " issued.",
        "此证书签发时（{date}），发证机构的备案处于暂停状态（自{since}起）。",
        "此證書簽發時（{date}），發證機構的備案處於暫停狀態（自{since}起）。",
    ),
    "issuer_in_scope.withdrawn": (
        "The issuing body's accreditation had been withdrawn (on {since}) when this certificate"
        " was issued on {date}.",
        "此证书签发时（{date}），发证机构的备案已被取消（取消日期：{since}）。",
        "此證書簽發時（{date}），發證機構的備案已被取消（取消日期：{since}）。",
    ),
    # status
    "status.ok": (
        "This certificate has not been revoked or suspended (status list of {checked_at}).",
        "此证书未被撤销，也未被暂停（状态列表时间：{checked_at}）。",
        "此證書未被撤銷，也未被暫停（狀態列表時間：{checked_at}）。",
    ),
    "status.revoked": (
        "This certificate has been revoked (status list of {checked_at}).",
        "此证书已被撤销（状态列表时间：{checked_at}）。",
        "此證書已被撤銷（狀態列表時間：{checked_at}）。",
    ),
    "status.suspended": (
        "This certificate has been suspended (status list of {checked_at}).",
        "此证书已被暂停（状态列表时间：{checked_at}）。",
        "此證書已被暫停（狀態列表時間：{checked_at}）。",
    ),
    "status.no_entry": (
        "The certificate carries no status entry, so whether it has been revoked cannot be told.",
        "此证书没有附带状态信息，因此无法判断是否已被撤销。",
        "此證書沒有附帶狀態資料，因此無法判斷是否已被撤銷。",
    ),
    "status.list_unavailable": (
        "The status list could not be obtained, so whether the certificate has been revoked"
        " cannot be told.",
        "无法取得状态列表，因此无法判断此证书是否已被撤销。",
        "無法取得狀態列表，因此無法判斷此證書是否已被撤銷。",
    ),
    "status.list_invalid": (
        "The status list is not genuine or is malformed, so whether the certificate has been"
        " revoked cannot be told.",
        "状态列表并非真实有效或格式有误，因此无法判断此证书是否已被撤销。",
        "狀態列表並非真實有效或格式有誤，因此無法判斷此證書是否已被撤銷。",
    ),
    "status.stale": (
        "The status information is {age} old, older than the allowed {limit}; refresh the"
        " trust bundle.",
        "状态信息已有 {age}，超过允许的 {limit}；请更新信任数据包。",
        "狀態資料已有 {age}，超過容許的 {limit}；請更新信任資料包。",
    ),
    # checkpoint_signature
    "checkpoint_signature.ok": (
        "The registry's log checkpoint is genuinely signed ({origin}, {size} entries).",
        "登记处透明日志的检查点签名真实有效（{origin}，共 {size} 条记录）。",
        "登記處透明日誌的檢查點簽名真實有效（{origin}，共 {size} 條記錄）。",
    ),
    "checkpoint_signature.invalid": (
        "The log checkpoint is not signed by the registry's log key.",
        "透明日志的检查点并非由登记处的日志密钥签名。",
        "透明日誌的檢查點並非由登記處的日誌密鑰簽名。",
    ),
    "checkpoint_signature.no_log_key": (
        "There is no log key to check the log checkpoint with.",
        "没有可用于核对检查点的日志密钥。",
        "沒有可用於核對檢查點的日誌密鑰。",
    ),
    # log_inclusion
    "log_inclusion.ok": (
        "Recorded in the registry's public log as entry {index} of {size}.",
        "已记入登记处的公开透明日志（第 {index} 条，共 {size} 条）。",
        "已記入登記處的公開透明日誌（第 {index} 條，共 {size} 條）。",
    ),
    "log_inclusion.no_evidence": (
        "No proof was given that the certificate is in the registry's log, so this cannot be"
        " confirmed.",
        "没有提供此证书已记入登记处透明日志的证明，因此无法确认。",
        "沒有提供此證書已記入登記處透明日誌的證明，因此無法確認。",
    ),
    "log_inclusion.proof_invalid": (
        "The proof that the certificate is in the log does not check out.",
        "此证书已记入透明日志的证明未能通过核对。",
        "此證書已記入透明日誌的證明未能通過核對。",
    ),
    "log_inclusion.entry_mismatch": (
        "The log entry given is not this certificate's.",
        "所提供的日志记录不属于此证书。",
        "所提供的日誌記錄不屬於此證書。",
    ),
    # validity_period
    "validity_period.ok": (
        "The certificate is within its validity period.",
        "此证书在有效期内。",
        "此證書在有效期內。",
    ),
    "validity_period.not_yet_valid": (
        "The certificate is not valid before {valid_from}.",
        "此证书自 {valid_from} 起才生效。",
        "此證書自 {valid_from} 起才生效。",
    ),
    "validity_period.expired": (
        "The certificate expired on {valid_until}.",
        "此证书已于 {valid_until} 过期。",
        "此證書已於 {valid_until} 過期。",
    ),
    # recognition
    "recognition.recognized": (
        "Recognised as {target_level} in {target_framework} (mapping {mapping}, version"
        " {version}).",
        "可认可为{target_framework}的{target_level}（依据对照表 {mapping} 第 {version} 版）。",
        "可認可為{target_framework}的{target_level}（依據對照表 {mapping} 第 {version} 版）。",
    ),
    "recognition.no_comparable_level": (
        "The mapping {mapping} (version {version}) states there is no comparable level in"
        " {target_framework}.",
        "对照表 {mapping}（第 {version} 版）指明，{target_framework}中没有可比级别。",
        "對照表 {mapping}（第 {version} 版）指明，{target_framework}中沒有可比級別。",
    ),
    "recognition.not_applicable": (
        "No recognition mapping to {target_framework} applies to this certificate.",
        "没有适用于此证书的{target_framework}认可对照表。",
        "沒有適用於此證書的{target_framework}認可對照表。",
    ),
    # any check not made because an earlier one failed
    "not_checked": (
        "Not checked, because an earlier check did not pass.",
        "未作检查，因为之前的检查未通过。",
        "未作檢查，因為之前的檢查未通過。",
    ),
}


_PERIODS: dict[str, tuple[str, str]] = {
    "en": ("from {start} to {end} inclusive", "from {start}, no end date"),
    "zh-Hans": ("{start} 至 {end}", "{start} 起长期有效"),
    "zh-Hant": ("{start} 至 {end}", "{start} 起長期有效"),
}


def accreditation_period(language: str, start: str, end: str | None) -> str:
    """An accreditation period (ISO dates, ``end`` inclusive or none) in ``language``: the
    messages and the verify page tell it in the reader's language, never in the English of the
    ``period`` param."""
    closed, open_ended = _PERIODS[language]
    return closed.format(start=start, end=end) if end else open_ended.format(start=start)


def check_messages(code: str, params: Mapping[str, str]) -> dict[str, str]:
    """The message for ``code`` in every language, with ``{name}`` placeholders filled from params.

    Raises ``KeyError`` for an unknown code or a placeholder missing from ``params``; extra
    params are ignored. Values are inserted as they are: braces in a value are not expanded.
    A ``period`` is told by ``accreditation_period`` when ``scope_from`` is among the params.
    """
    templates = _CATALOGUE[code]
    start = params.get("scope_from")
    messages = {}
    for lang, template in zip(LANGUAGES, templates, strict=True):
        values = params
        if start:
            period = accreditation_period(lang, start, params.get("scope_until"))
            values = {**params, "period": period}
        messages[lang] = template.format_map(values)
    return messages
