"""The verify page and its QR codes, on the demo registry, on SQLite and on PostgreSQL.

The page's verdict must be the report's: each test reads the ``data-result`` the page renders
and the words a reader sees, for the demo's valid and revoked certificates and for a tampered
one pasted into the search box.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from registry.authority import Registry
from registry.demo import DemoResult, demo_national_id, load_demo
from registry.service.page_text import TEXT, choose_language
from registry.settings import Settings
from schemas.b64 import b64url_decode, b64url_encode
from tests.service.conftest import PUBLIC_URL
from verifier.messages import LANGUAGES


@pytest.fixture
def demo(settings: Settings, registry: Registry) -> DemoResult:
    """The demo, loaded into the initialised registry of ``registry``."""
    return load_demo(settings, datetime.now(UTC))


def uuid_of(credential_id: str) -> str:
    return credential_id.removeprefix("urn:uuid:")


def result_of(html: str) -> str:
    found = re.search(r'id="result" data-result="([a-z_]+)"', html)
    assert found, html[:500]
    return found.group(1)


def visible(html: str) -> str:
    """The page's text, roughly as a reader sees it (no styles, no tags)."""
    body = html.split("</style>", 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_valid_demo_certificate_reads_valid_in_each_language(
    demo: DemoResult, client: TestClient, lang: str
) -> None:
    response = client.get(f"/v/{uuid_of(demo.valid_id)}", params={"lang": lang})
    assert response.status_code == 200
    assert response.headers["content-language"] == lang
    assert result_of(response.text) == "valid"
    text = visible(response.text)
    assert TEXT["valid"][lang] in text
    assert "陈示范" in text
    assert "6-31-01-03" in text
    assert "/v1/log/proof/inclusion?index=" in response.text
    accreditation = {"zh-Hans": "2020-01-01 起长期有效", "zh-Hant": "2020-01-01 起長期有效"}
    expected = accreditation.get(lang, "from 2020-01-01, no end date")
    assert f"CN-VQ-5 3, 4, 5 · {expected}" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_revoked_demo_certificate_says_it_is_revoked(
    demo: DemoResult, client: TestClient, lang: str
) -> None:
    response = client.get(f"/v/{uuid_of(demo.revoked_id)}", params={"lang": lang})
    assert result_of(response.text) == "invalid"
    reasons = re.findall(r'<li data-check="([a-z_]+)">', response.text)
    assert reasons == ["status"]
    assert TEXT["revoked"][lang] in visible(response.text)


def test_accept_language_picks_the_page_language(demo: DemoResult, client: TestClient) -> None:
    path = f"/v/{uuid_of(demo.valid_id)}"
    for header, lang in (("zh-HK,zh;q=0.8", "zh-Hant"), ("en-GB", "en"), ("fr", "zh-Hans")):
        response = client.get(path, headers={"Accept-Language": header})
        assert response.headers["content-language"] == lang, header


def tampered(jws: str) -> str:
    """The JWS with its holder's name changed, keeping the original signature."""
    header, payload, signature = jws.split(".")
    text = b64url_decode(payload).decode("utf-8").replace("陈示范", "陈伪造")
    return f"{header}.{b64url_encode(text.encode('utf-8'))}.{signature}"


def test_a_tampered_certificate_pasted_in_the_search_box_is_invalid(
    demo: DemoResult, client: TestClient
) -> None:
    stored = client.get(f"/v1/credentials/{uuid_of(demo.valid_id)}").json()
    response = client.get("/v", params={"q": tampered(stored["jws"]), "lang": "en"})
    assert result_of(response.text) == "invalid"
    assert re.findall(r'<li data-check="([a-z_]+)">', response.text)[0] == "signature"
    genuine = client.get("/v", params={"q": stored["jws"], "lang": "en"})
    assert result_of(genuine.text) == "valid"


def test_a_scanned_verify_url_goes_to_its_page(demo: DemoResult, client: TestClient) -> None:
    credential = uuid_of(demo.valid_id)
    response = client.get(
        "/v",
        params={"q": f"  {PUBLIC_URL}/v/{credential.upper()}\r\n", "lang": "en"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/v/{credential}?lang=en"


def test_the_id_card_check_matches_only_the_holders_number(
    demo: DemoResult, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    path = f"/v/{uuid_of(demo.valid_id)}?lang=en"
    number = demo_national_id(1)
    caplog.set_level(logging.DEBUG)
    right = client.post(path, content=f"national_id={number}", headers=_FORM)
    assert 'id="id_result"' in right.text and TEXT["id_matches"]["en"] in right.text
    wrong = client.post(path, content=f"national_id={demo_national_id(2)}", headers=_FORM)
    assert TEXT["id_differs"]["en"] in wrong.text
    assert number not in right.text
    assert number not in caplog.text


_FORM = {"content-type": "application/x-www-form-urlencoded"}


def test_an_unknown_certificate_is_a_404_page(demo: DemoResult, client: TestClient) -> None:
    response = client.get("/v/00000000-0000-4000-8000-000000000000", params={"lang": "en"})
    assert response.status_code == 404
    assert result_of(response.text) == "not_found"
    assert TEXT["not_found"]["en"] in response.text


def test_the_page_loads_nothing_from_elsewhere(demo: DemoResult, client: TestClient) -> None:
    html = client.get(f"/v/{uuid_of(demo.valid_id)}").text
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html


def test_the_qr_code_decodes_to_the_verify_url(demo: DemoResult, client: TestClient) -> None:
    credential = uuid_of(demo.valid_id)
    png = client.get(f"/v/{credential}/qr.png")
    assert png.headers["content-type"] == "image/png"
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert barcode.text == f"{PUBLIC_URL}/v/{credential}"
    svg = client.get(f"/v/{credential}/qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.lstrip().startswith("<svg")
    missing = client.get("/v/00000000-0000-4000-8000-000000000000/qr.png")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("asked", "header", "expected"),
    [
        ("en", "zh-CN", "en"),
        (None, "zh-TW", "zh-Hant"),
        (None, "zh-Hant-HK", "zh-Hant"),
        (None, "zh-CN,en;q=0.5", "zh-Hans"),
        (None, "en;q=0.4,zh-MO;q=0.9", "zh-Hant"),
        (None, "de,en;q=0", "zh-Hans"),
        ("xx", None, "zh-Hans"),
        (None, "en;q=abc,zh", "zh-Hans"),
        ("EN", None, "en"),
        ("zh-hant", "en", "zh-Hant"),
        (None, "zh-Hans;Q=0, en;q=0.1", "en"),
        (None, "ZH-TW;Q=0.1, EN", "en"),
    ],
)
def test_choose_language(asked: str | None, header: str | None, expected: str) -> None:
    assert choose_language(asked, header) == expected
