"""Settings from environment variables; defaults run everything from the repo."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _path(name: str, default: str) -> Path:
    path = Path(os.environ.get(name, default))
    return path if path.is_absolute() else PROJECT_ROOT / path


@dataclass(frozen=True)
class Settings:
    kb_dir: Path
    nlu_dir: Path
    models_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        """Read ``SSCN_*`` variables (see ``.env.example``)."""
        return cls(
            kb_dir=_path("SSCN_KB_DIR", "knowledge_base"),
            nlu_dir=_path("SSCN_NLU_DIR", "nlu_data"),
            models_dir=_path("SSCN_MODELS_DIR", "models"),
        )
