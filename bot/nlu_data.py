"""Read labelled examples from the Rasa NLU YAML files without importing Rasa."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

# "[SSCN-2026-00042](ticket)" or '[x]{"entity": "ticket"}' -> the annotated text.
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    metadata: dict


def strip_annotations(text: str) -> str:
    """Remove Rasa entity annotations, keeping the annotated words."""
    return _ANNOTATION.sub(r"\1", text)


def read_examples(directory: Path) -> list[Example]:
    """Every intent example of every ``*.yml`` file under ``directory``."""
    examples: list[Example] = []
    for path in sorted(directory.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu") or []:
            if "intent" in block:
                examples.extend(_block_examples(block))
    return examples


def _block_examples(block: dict) -> Iterable[Example]:
    metadata = block.get("metadata") or {}
    raw = block.get("examples") or ""
    items = raw.splitlines() if isinstance(raw, str) else [item.get("text", "") for item in raw]
    for item in items:
        text = strip_annotations(item.strip().removeprefix("- ").strip())
        if text:
            yield Example(text=text, intent=block["intent"], metadata=metadata)


def examples_by_intent(examples: Iterable[Example], *intents: str) -> list[str]:
    """The texts of the examples labelled with one of ``intents``."""
    wanted = set(intents)
    return [example.text for example in examples if example.intent in wanted]
