"""Level frameworks (CN five- and eight-level ladders, HKQF, ...) loaded from data files.

Levels are data, never an enum: a new ladder or a new region's framework is a new JSON file in
``schemas/data/frameworks/`` (or any directory passed to ``load_framework_file``), not a code
change. Each level has a ``rank`` (1 = lowest) so levels of one framework can be compared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from schemas.errors import MalformedDocument, UnknownFramework, UnknownLevel
from schemas.strict_json import parse_strict_json

__all__ = [
    "DEFAULT_FRAMEWORK",
    "Framework",
    "FrameworkResolver",
    "Level",
    "builtin_framework",
    "builtin_framework_ids",
    "framework_resolver",
    "load_framework_file",
    "parse_framework",
]

DEFAULT_FRAMEWORK = "CN-VQ-5"
LANGUAGES = ("en", "zh-Hans", "zh-Hant")
_MAX_FRAMEWORK_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Level:
    framework: str
    code: str
    rank: int
    name: dict[str, str]


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    name: dict[str, str]
    source: str
    levels: tuple[Level, ...]

    def level(self, code: str) -> Level:
        """The level with ``code``; raises ``UnknownLevel`` listing the valid codes."""
        for level in self.levels:
            if level.code == code:
                return level
        valid = ", ".join(level.code for level in self.levels)
        raise UnknownLevel(f"{code!r} is not a level of {self.id} (valid: {valid})")

    def to_json(self) -> dict[str, Any]:
        """The document ``parse_framework`` reads back to an equal framework."""
        return {
            "id": self.id,
            "name": dict(self.name),
            "source": self.source,
            "levels": [
                {"code": level.code, "rank": level.rank, "name": dict(level.name)}
                for level in self.levels
            ],
        }


def _names(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or any(
        not isinstance(value.get(lang), str) or not value[lang] for lang in LANGUAGES
    ):
        raise MalformedDocument(f"needs a non-empty name in each of {', '.join(LANGUAGES)}", where)
    return {lang: value[lang] for lang in LANGUAGES}


def parse_framework(document: Any, where: str = "framework") -> Framework:
    """Build a ``Framework`` from its JSON document; raises ``MalformedDocument``."""
    if not isinstance(document, dict):
        raise MalformedDocument("a framework is a JSON object", where)
    framework_id = document.get("id")
    levels = document.get("levels")
    if not isinstance(framework_id, str) or not framework_id:
        raise MalformedDocument("missing id", where)
    if not isinstance(levels, list) or not levels:
        raise MalformedDocument("needs a non-empty levels array", where)
    parsed: list[Level] = []
    for i, item in enumerate(levels):
        at = f"{where}.levels[{i}]"
        if not isinstance(item, dict):
            raise MalformedDocument("a level is a JSON object", at)
        code, rank = item.get("code"), item.get("rank")
        if not isinstance(code, str) or not code:
            raise MalformedDocument("missing code", at)
        if not isinstance(rank, int) or isinstance(rank, bool) or rank < 1:
            raise MalformedDocument("rank must be a positive integer", at)
        parsed.append(Level(framework_id, code, rank, _names(item.get("name"), at)))
    if len({lv.code for lv in parsed}) != len(parsed) or len({lv.rank for lv in parsed}) != len(
        parsed
    ):
        raise MalformedDocument("level codes and ranks must be unique", where)
    return Framework(
        id=framework_id,
        name=_names(document.get("name"), where),
        source=str(document.get("source", "")),
        levels=tuple(sorted(parsed, key=lambda lv: lv.rank)),
    )


def load_framework_file(path: Path) -> Framework:
    data = parse_strict_json(path.read_bytes(), limit=_MAX_FRAMEWORK_BYTES, what=str(path))
    return parse_framework(data, str(path))


def builtin_framework_ids() -> list[str]:
    folder = resources.files("schemas").joinpath("data", "frameworks")
    return sorted(
        p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")
    )


FrameworkResolver = Callable[[str], Framework]
"""Framework id -> the framework in force; raises ``UnknownFramework``. ``builtin_framework``
is one; a trust bundle brings its own (``framework_resolver``)."""


def framework_resolver(frameworks: Iterable[Framework]) -> FrameworkResolver:
    """A resolver over exactly ``frameworks``."""
    known = {framework.id: framework for framework in frameworks}

    def resolve(framework_id: str) -> Framework:
        if framework_id not in known:
            names = ", ".join(sorted(known))
            raise UnknownFramework(f"no level framework {framework_id!r} (known: {names})")
        return known[framework_id]

    return resolve


@cache
def builtin_framework(framework_id: str) -> Framework:
    """A framework shipped in ``schemas/data/frameworks``; raises ``UnknownFramework``."""
    resource = resources.files("schemas").joinpath("data", "frameworks", f"{framework_id}.json")
    if not resource.is_file():
        known = ", ".join(builtin_framework_ids())
        raise UnknownFramework(f"no level framework {framework_id!r} (known: {known})")
    data = parse_strict_json(resource.read_bytes(), limit=_MAX_FRAMEWORK_BYTES, what=framework_id)
    return parse_framework(data, framework_id)
