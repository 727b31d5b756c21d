"""Demo data: two issuing bodies and a few signed certificates, loaded idempotently.

Holder names are invented and national ID numbers use region code 99xxxx, which no Mainland
administrative division has, with a correct GB 11643-1999 check digit, so they pass validation
yet cannot be anyone's number.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from issuer.batch import issue_batch
from issuer.batch_csv import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from issuer.output import JsonlSink
from registry.authority import open_registry
from registry.issuance import LoggedSink, prior_lookup
from registry.settings import Settings
from registry.status import set_credential_status
from schemas.credential import read_credential
from schemas.frameworks import builtin_framework
from schemas.governance import MAPPING_PUBLISHED, REVOKED, SCOPE_GRANTED
from schemas.identity import national_id_check_digit, normalise_national_id
from schemas.occupations import builtin_occupation_table
from schemas.recognition import builtin_mappings
from schemas.scope import make_scope
from verifier.jws import parse_compact_jws

__all__ = ["DEMO_ISSUERS", "DemoResult", "load_demo"]

DEMO_ISSUERS = (
    ("urn:skillcert:issuer:demo-guangzhou-appraisal", "广州市示范职业技能鉴定中心（演示）"),
    ("urn:skillcert:issuer:demo-shenzhen-motors", "深圳示范汽车有限公司（演示）"),
)
_DEMO_SCOPES = (
    (("6-31-*", "4-03-*", "4-10-*"), ("5", "4", "3")),
    (("4-12-*", "6-18-*"), ("4", "3", "2")),
)
_SCOPES_FROM = date(2020, 1, 1)
_HOLDERS = (
    ("陈示范", "6-31-01-03", "4", "Y", "2024-06-18", ""),
    ("李演示", "4-03-02-01", "3", "Y", "2023-11-02", ""),
    ("王样例", "4-10-01-05", "5", "Y", "2025-03-09", "2028-03-08"),
    ("张测试", "4-12-01-01", "2", "S", "2024-12-20", ""),
    ("黄例子", "6-18-02-04", "4", "S", "2022-08-15", "2025-08-14"),
    ("赵撤销", "6-31-01-03", "3", "Y", "2024-09-10", ""),
)
_REVOKED_HOLDER = "赵撤销"
"""The demo holder whose certificate the demo revokes, so the verify page can be seen saying
why a certificate is not valid."""
_REVOKED_REASON = "issued_in_error"


@dataclass(frozen=True, slots=True)
class DemoResult:
    credentials: Path
    created: bool
    valid_id: str
    """A demo certificate that verifies as valid."""
    revoked_id: str
    """The demo certificate the demo revoked."""


def demo_national_id(serial: int) -> str:
    body = f"990000{19800101 + serial * 10101:08d}{serial:03d}"
    return normalise_national_id(body + national_id_check_digit(body))


def _write_pass_list(path: Path, issuer_index: int, issuer_letter: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS])
        for serial, (name, code, level, letter, issued, until) in enumerate(_HOLDERS, start=1):
            if letter != issuer_letter:
                continue
            body, station = f"{1000 + issuer_index:04d}44", f"{440100 + serial:06d}"
            number = f"{letter}{body}{station}{issued[2:4]}{level}{serial:06d}"
            writer.writerow([name, demo_national_id(serial), code, level, number, issued, until])


def load_demo(settings: Settings, now: datetime) -> DemoResult:
    """Register the demo issuers, sign their pass lists and log every credential, into
    ``demo/credentials-*.jsonl`` (each line carrying its log evidence)."""
    demo_dir = settings.home / "demo"
    demo_dir.mkdir(parents=True, exist_ok=True)
    created = False
    occupations = builtin_occupation_table()
    framework = builtin_framework("CN-VQ-5")
    opened = open_registry(settings)
    try:
        directory = opened.governance.directory()
        published = {(m.id, m.version) for m in directory.mappings}
        for mapping in builtin_mappings():
            if (mapping.id, mapping.version) not in published:
                opened.governance.record(MAPPING_PUBLISHED, {"mapping": mapping.to_json()})
        for index, ((issuer_id, name), letter, (patterns, levels)) in enumerate(
            zip(DEMO_ISSUERS, "YS", _DEMO_SCOPES, strict=True)
        ):
            if issuer_id not in opened.governance.directory().issuers:
                opened.issuers.add(issuer_id, name, now)
                scope = make_scope(patterns, "CN-VQ-5", levels, _SCOPES_FROM)
                opened.governance.record(
                    SCOPE_GRANTED, {"issuer": issuer_id, "scope": scope.to_json()}
                )
            out = demo_dir / f"credentials-{letter}.jsonl"
            if out.exists():
                continue
            pass_list = demo_dir / f"pass-list-{letter}.csv"
            _write_pass_list(pass_list, index, letter)
            signer = opened.issuers.signer(issuer_id, now)
            sink = LoggedSink(
                JsonlSink(out), opened.log, issuer_id=issuer_id, kid=signer.kid, spool_dir=demo_dir
            )
            # A demo whose file was lost, or whose logging stopped part way, gets the
            # credentials logged already written out again, the revoked one too.
            issue_batch(
                pass_list,
                signer,
                sink,
                occupations=occupations,
                framework=framework,
                today=now.date(),
                allocate_status=opened.status.allocate,
                prior=prior_lookup(opened, issuer_id, now),
                resume=sink.write_prior,
            )
            created = True
        ids = _holder_ids(demo_dir / "credentials-Y.jsonl")
        revoked_id = ids[_REVOKED_HOLDER]
        if revoked_id not in opened.governance.directory().credential_status:
            set_credential_status(opened.governance, revoked_id, REVOKED, _REVOKED_REASON)
    finally:
        opened.close()
    return DemoResult(demo_dir, created, ids[_HOLDERS[0][0]], revoked_id)


def _holder_ids(path: Path) -> dict[str, str]:
    """Credential id by holder name, from a demo credentials file."""
    ids = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        issued = json.loads(line)
        credential = read_credential(parse_compact_jws(issued["jws"].encode("ascii")).payload)
        ids[credential.claims.holder_name] = credential.id
    return ids
