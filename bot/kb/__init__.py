"""The FAQ knowledge base that Humas edits as YAML files in ``knowledge_base/``."""

from bot.kb.schema import Entry, Link, Problem
from bot.kb.store import KnowledgeBaseStore

__all__ = ["Entry", "KnowledgeBaseStore", "Link", "Problem"]
