"""The verify page (``/v/{id}``) and its QR codes: what an employer sees after scanning a
certificate.

The page is server-rendered HTML with nothing fetched from elsewhere (no scripts, fonts or
styles from other hosts), so it opens on any phone, behind any firewall, in two seconds. Its
verdict and reasons are the ``VerificationReport`` of the same ``verify_credential`` the CLI
and ``POST /v1/verify`` use, in the reader's language.

The ID card check posts the number to the page and compares it with the certificate's salted
hash (``schemas.identity``) in memory: it is not stored, logged or echoed back. Posting, not
hashing in the browser, because a phone reaching the registry over plain HTTP on a LAN address
has no Web Crypto.

The search box takes what a USB barcode scanner types (the verify URL, then Enter) or a pasted
compact JWS, so a reception desk needs no app: a URL goes to its page, a JWS is verified as
given, whether or not the registry holds it.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from registry.qr import qr_png, qr_svg
from registry.service.limits import rate_limited
from registry.service.page_text import LANGUAGE_NAMES, TEXT, choose_language
from registry.service.problems import Problem
from registry.service.records import CredentialId, StoredRecord, stored_record
from registry.service.state import Service, ServiceState
from registry.service.trust import TrustMaterial
from registry.service.verification import report_for_record, report_for_token
from schemas.errors import SchemaError
from schemas.identity import national_id_matches
from schemas.trust_bundle import TrustBundle
from verifier import VerificationReport
from verifier.messages import accreditation_period
from verifier.verify import recognize_credential

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

RECOGNITION_TARGETS = ("HKQF", "MO-VSR")
"""The frameworks the page states a certificate's worth in: Hong Kong's and Macao's."""

_MAX_FORM_BYTES = 4096
_UUID_TEXT = r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"
_VERIFY_URL = re.compile(rf"/v/({_UUID_TEXT})")
_BARE_UUID = re.compile(_UUID_TEXT)

# The templates are package data, fixed for the life of the process: with auto_reload, every
# page would stat its template file to see whether it changed.
_templates = Environment(
    loader=PackageLoader("registry", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)

_TEXTS = {
    language: {key: value[language] for key, value in TEXT.items()} for language in LANGUAGE_NAMES
}


def verify_url(state: ServiceState, credential_id: uuid.UUID) -> str:
    return f"{state.settings.public_url.rstrip('/')}/v/{credential_id}"


def _recognitions(
    trust: TrustBundle, report: VerificationReport, language: str
) -> list[tuple[str, str]]:
    """What each target framework's mappings say of the certificate today, for a genuine one."""
    credential = report.credential
    signature = next(check for check in report.checks if check.check == "signature")
    if credential is None or signature.ok is not True:
        return []
    now = datetime.now(UTC)
    answers = []
    for target in RECOGNITION_TARGETS:
        try:
            answer = recognize_credential(credential, trust, target, now)
        except SchemaError:
            continue
        name = answer.target_framework.name.get(language, target)
        answers.append((name, answer.message[language]))
    return answers


def _render(
    request: Request,
    trust: TrustMaterial,
    report: VerificationReport,
    language: str,
    *,
    record: StoredRecord | None = None,
    credential_id: uuid.UUID | None = None,
    id_check: bool | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    checks = {check.check: check for check in report.checks}
    logged = checks["log_inclusion"]
    scope = checks["issuer_in_scope"].params
    html = _templates.get_template("verify.html").render(
        **_chrome(request, language),
        report=report,
        result=report.result.value,
        failed=[(check.check, check.messages[language]) for check in report.failed],
        checks=[(check.check, check.ok, check.messages[language]) for check in report.checks],
        credential=report.credential,
        scope=scope,
        scope_period=accreditation_period(
            language, scope["scope_from"], scope.get("scope_until") or None
        )
        if scope.get("scope_from")
        else None,
        status=record.status["status"] if record else None,
        log=logged.params if logged.ok else None,
        recognitions=_recognitions(trust.bundle, report, language),
        credential_id=credential_id,
        id_check=id_check,
    )
    return HTMLResponse(html, status_code=status_code, headers={"Content-Language": language})


def _chrome(request: Request, language: str) -> dict[str, object]:
    """What base.html needs on every page: the language, its texts and the switcher."""
    return {
        "lang": language,
        "t": _TEXTS[language],
        "languages": LANGUAGE_NAMES,
        "path": request.url.path,
    }


def _not_found(request: Request, language: str) -> HTMLResponse:
    html = _templates.get_template("not_found.html").render(**_chrome(request, language))
    return HTMLResponse(html, status_code=404, headers={"Content-Language": language})


Language = Annotated[str | None, Query(alias="lang", description="zh-Hans, zh-Hant or en")]


def _language(request: Request, asked: str | None) -> str:
    return choose_language(asked, request.headers.get("accept-language"))


def _page(
    request: Request, state: ServiceState, credential_id: uuid.UUID, language: str
) -> HTMLResponse:
    try:
        record = stored_record(state, credential_id)
    except Problem as problem:
        if problem.kind.slug == "credential-not-found":
            return _not_found(request, language)
        raise
    trust = state.trust.current()
    report = report_for_record(state, record, trust=trust)
    return _render(request, trust, report, language, record=record, credential_id=credential_id)


@router.get("/v/{credential_id}", response_class=HTMLResponse)
def verify_page(
    request: Request, state: Service, credential_id: CredentialId, lang: Language = None
) -> HTMLResponse:
    return _page(request, state, credential_id, _language(request, lang))


# The ID card check and the search box are limited as the verification API is: each verifies
# (the search box any JWS it is given), where the page itself is a public document to cache.
@router.post(
    "/v/{credential_id}", response_class=HTMLResponse, dependencies=[Depends(rate_limited)]
)
async def check_national_id(
    request: Request, state: Service, credential_id: CredentialId, lang: Language = None
) -> HTMLResponse:
    """The ID card check: the form's number against the certificate's salted hash."""
    body = await request.body()
    if len(body) > _MAX_FORM_BYTES:
        raise Problem("body-too-large", f"the form exceeds {_MAX_FORM_BYTES} bytes")
    number = parse_qs(body.decode("utf-8", "replace")).get("national_id", [""])[0]
    language = _language(request, lang)
    try:
        record = stored_record(state, credential_id)
    except Problem:
        return _not_found(request, language)
    trust = state.trust.current()
    report = report_for_record(state, record, trust=trust)
    matches = None
    if report.credential is not None:
        claims = report.credential.claims
        matches = national_id_matches(number, claims.national_id_salt, claims.national_id_hash)
    return _render(
        request,
        trust,
        report,
        language,
        record=record,
        credential_id=credential_id,
        id_check=matches,
    )


@router.get("/v", response_class=HTMLResponse, dependencies=[Depends(rate_limited)])
def search(
    request: Request,
    state: Service,
    q: Annotated[str, Query(max_length=65_536)] = "",
    lang: Language = None,
) -> Response:
    """A scanned verify URL (or bare id) goes to its page; anything else is verified as a JWS."""
    language = _language(request, lang)
    text = q.strip()
    in_url = _VERIFY_URL.search(text)
    bare = _BARE_UUID.fullmatch(text)
    if in_url or bare:
        target = in_url.group(1) if in_url else text
        return RedirectResponse(f"/v/{target.lower()}?lang={language}", status_code=303)
    if not text:
        return _not_found(request, language)
    trust = state.trust.current()
    report = report_for_token(state, text.encode("utf-8", "replace"), trust=trust)
    return _render(request, trust, report, language)


def _qr_target(state: ServiceState, credential_id: uuid.UUID) -> str:
    stored_record(state, credential_id)
    return verify_url(state, credential_id)


@router.get("/v/{credential_id}/qr.png")
def qr_code_png(state: Service, credential_id: CredentialId) -> Response:
    return Response(qr_png(_qr_target(state, credential_id)), media_type="image/png")


@router.get("/v/{credential_id}/qr.svg")
def qr_code_svg(state: Service, credential_id: CredentialId) -> Response:
    return Response(qr_svg(_qr_target(state, credential_id)), media_type="image/svg+xml")
