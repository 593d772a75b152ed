"""Changes Humas makes in the console, written into the knowledge-base YAML files.

Each change runs under a lock file in the folder (``fcntl.flock``), so saves from
several console workers or processes happen one after another, each on the file as
it is then. The file is edited round-trip (ruamel.yaml: comments, order and quoting
kept), the new version is checked like ``sscn kb check`` in a copy of the folder,
recorded in the history as pending, and only then replaces the file atomically
(temporary file in the same folder, fsync, ``os.replace``, fsync of the folder).

What blocks a save: any problem that makes the folder unloadable (the bot would
keep serving the old version), and any ``kb check`` problem the change brings
(not found before it). Problems already there before, e.g. a phrasing conflict
elsewhere, do not block Humas.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import logging
import os
import re
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError as RuamelError
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.kb.check import SEASON_FILE, check_directory
from bot.kb.history import EntryChange, KbHistory, digest, entry_text
from bot.kb.loader import fingerprint, kb_files, load_directory
from bot.kb.schema import (
    ALL_PROGRAMS,
    ID_PATTERN,
    MIN_QUESTIONS,
    PROGRAMS,
    Entry,
    Problem,
    parse_file,
)
from bot.kb.store import KnowledgeBaseError, KnowledgeBaseStore
from bot.text import TWEET_MAX_WEIGHT, normalize, tweet_weight

logger = logging.getLogger(__name__)
FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}\.yml$")
LOCK_FILE = ".kb-edit.lock"
NEW_FILE_HEADER = "# Knowledge base: entries written by Humas in the console.\nentries: []\n"
BAD_FILE_NAME = "Nama berkas hanya huruf kecil, angka, '-' dan '_', diakhiri .yml (mis. humas.yml)."
NOTHING_CHANGED = "Tidak ada perubahan untuk disimpan."
MAX_TITLE = 200
MAX_ANSWER = 4000
MAX_PHRASING = 300
MAX_PHRASINGS = 100
MAX_ITEMS = 10  # sources, links
MAX_TAGS = 20
TAG = re.compile(r"[a-z0-9_]{1,40}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class KbEditError(ValueError):
    """The change was refused; ``problems`` say why, in Indonesian, for the form."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class EntryDraft:
    """A new entry as Humas filled it in; ``file``: the knowledge-base file to add it to
    (an existing one such as ``pendaftaran.yml`` or a new one such as ``humas.yml``)."""

    id: str
    title: str
    questions: tuple[str, ...]
    answer: str
    short_answer: str
    programs: tuple[str, ...]
    file: str
    sources: tuple[tuple[str, int | str], ...] = ()
    tags: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (title, url)


@dataclass(frozen=True)
class _Fix:
    """A correction of one entry (``None``: that part unchanged)."""

    title: str | None = None
    answer: str | None = None
    short_answer: str | None = None
    phrasings: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    programs: tuple[str, ...] | None = None
    sources: tuple[tuple[str, int | str], ...] | None = None

    def problems(self) -> list[str]:
        problems = _text_problems(
            {"title": self.title, "answer": self.answer, "short_answer": self.short_answer}
        )
        if len(self.phrasings) > MAX_PHRASINGS:
            problems.append(f"Paling banyak {MAX_PHRASINGS} frasa sekali simpan.")
        if any(len(one_line(text)) > MAX_PHRASING for text in self.phrasings):
            problems.append(f"Satu frasa paling panjang {MAX_PHRASING} karakter.")
        if self.programs is not None:
            problems.extend(_program_problems(self.programs))
        if self.sources is not None:
            problems.extend(_source_problems(self.sources))
        return problems

    def apply(self, item: CommentedMap) -> list[str]:
        """Change ``item`` in place; the phrasings added."""
        texts = {"title": self.title, "answer": self.answer, "short_answer": self.short_answer}
        for key, value in texts.items():
            if value is not None and value != str(item.get(key, "")).strip():
                item[key] = LiteralScalarString(value + "\n") if key == "answer" else value
        if self.programs is not None and _expanded(self.programs) != _expanded(
            [str(p) for p in item.get("programs") or ()]
        ):
            item["programs"] = _flow(CommentedSeq(self.programs))
        if self.sources is not None and list(self.sources) != [
            (s.get("url"), s.get("year")) for s in item.get("sources") or () if isinstance(s, dict)
        ]:
            item["sources"] = CommentedSeq(
                _flow(CommentedMap(url=url, year=year)) for url, year in self.sources
            )
        questions = item.get("questions")
        if not isinstance(questions, list):
            return []
        if self.remove:
            dropped = {normalize(text) for text in self.remove}
            for index in reversed(range(len(questions))):
                if normalize(str(questions[index])) in dropped:
                    del questions[index]
        added = distinct_phrasings(self.phrasings, [str(q) for q in questions])
        questions.extend(added)
        if len(questions) < MIN_QUESTIONS:
            raise KbEditError([f"Entri perlu paling sedikit {MIN_QUESTIONS} frasa pertanyaan."])
        return added


def one_line(text: str) -> str:
    """A title, phrasing or short answer: one line, control characters and runs of
    spaces removed."""
    text = unicodedata.normalize("NFC", text)
    return " ".join(_CONTROL.sub(" ", text).split())


def block_text(text: str) -> str:
    """An answer: lines kept (CR LF -> LF), trailing spaces and control characters
    removed, no blank lines at either end."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_CONTROL.sub(" ", line).rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def distinct_phrasings(phrasings: Sequence[str], existing: Sequence[str] = ()) -> list[str]:
    """The phrasings, cleaned, without empty ones or ones already present (compared
    normalised: case, punctuation, slang)."""
    seen = {normalize(text) for text in existing}
    kept = []
    for text in phrasings:
        text = one_line(text)
        key = normalize(text)
        if text and key and key not in seen:
            seen.add(key)
            kept.append(text)
    return kept


class KbEditor:
    """Adds entries, adds phrasings and corrects entries in ``directory``'s files."""

    def __init__(
        self,
        directory: Path,
        history: KbHistory,
        store: KnowledgeBaseStore | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.history = history
        self.store = store
        self._yaml = YAML()
        self._yaml.preserve_quotes = True
        self._yaml.width = 4096  # never re-wrap Humas's lines
        self._yaml.indent(mapping=2, sequence=4, offset=2)
        self._baseline: tuple[str, frozenset] | None = None  # fingerprint -> check problems

    # --- public operations ----------------------------------------------------
    def files(self) -> list[str]:
        """The names of the knowledge-base files an entry can be added to."""
        return [path.name for path in kb_files(self.directory) if FILE_NAME.match(path.name)]

    def version_of(self, entry_id: str) -> str | None:
        """A token of the entry's content now, for a form's "changed meanwhile" check."""
        entry = _find(load_directory(self.directory).entries, entry_id)
        return digest(entry_text(entry)) if entry else None

    def add_entry(self, draft: EntryDraft, actor: str) -> Entry:
        """Write a new entry (refused if its id exists anywhere, e.g. a double submit)."""
        problems = _draft_problems(draft)
        if problems:
            raise KbEditError(problems)

        def mutate(document: CommentedMap, entries: Sequence[Entry]) -> list[str]:
            if _find(entries, draft.id):
                raise KbEditError([f"Entri dengan ID '{draft.id}' sudah ada."])
            items = document["entries"]
            items.append(_entry_map(draft))
            if len(items) > 1:
                items.yaml_set_comment_before_after_key(len(items) - 1, before="\n", indent=2)
            return [draft.id]

        return self._edit(draft.file, draft.id, mutate, actor, new_file_ok=True)

    def add_phrasings(self, entry_id: str, phrasings: Sequence[str], actor: str) -> list[str]:
        """Add the phrasings the entry does not have yet (compared normalised); the ones
        added, [] when it has them all (then nothing is written)."""
        try:
            return self._change(entry_id, actor, None, _Fix(phrasings=tuple(phrasings)))[1]
        except KbEditError as error:
            if error.problems == (NOTHING_CHANGED,):
                return []
            raise

    def update_entry(
        self,
        entry_id: str,
        actor: str,
        *,
        expected_version: str | None = None,
        title: str | None = None,
        answer: str | None = None,
        short_answer: str | None = None,
        phrasings: Sequence[str] = (),
        remove: Sequence[str] = (),
        programs: Sequence[str] | None = None,
        sources: Sequence[tuple[str, int | str]] | None = None,
    ) -> Entry:
        """Correct an entry: title, answer, short answer, programs, sources (``None``:
        unchanged); add ``phrasings``, drop the phrasings in ``remove``.
        ``expected_version`` (``version_of`` when the form was opened) refuses the save
        if someone changed the entry meanwhile."""
        fix = _Fix(
            title=one_line(title) if title is not None else None,
            answer=block_text(answer) if answer is not None else None,
            short_answer=one_line(short_answer) if short_answer is not None else None,
            phrasings=tuple(phrasings),
            remove=tuple(remove),
            programs=tuple(programs) if programs is not None else None,
            sources=tuple(sources) if sources is not None else None,
        )
        return self._change(entry_id, actor, expected_version, fix)[0]

    def _change(
        self, entry_id: str, actor: str, expected_version: str | None, fix: _Fix
    ) -> tuple[Entry, list[str]]:
        problems = fix.problems()
        if problems:
            raise KbEditError(problems)
        added: list[str] = []

        def mutate(document: CommentedMap, entries: Sequence[Entry]) -> list[str]:
            current = _find(entries, entry_id)
            if (
                expected_version is not None
                and current is not None
                and digest(entry_text(current)) != expected_version
            ):
                raise KbEditError(
                    ["Entri ini baru saja diubah orang lain. Muat ulang halaman, lalu ulangi."]
                )
            item = _item(document, entry_id)
            added.extend(fix.apply(item))
            return [entry_id]

        entry = self._edit(self._file_of(entry_id), entry_id, mutate, actor)
        return entry, added

    # --- the one way a file changes -------------------------------------------
    def _edit(
        self,
        file_name: str,
        entry_id: str,
        mutate: Callable[[CommentedMap, Sequence[Entry]], list[str]],
        actor: str,
        new_file_ok: bool = False,
    ) -> Entry:
        if not FILE_NAME.match(file_name):
            raise KbEditError([BAD_FILE_NAME])
        try:
            with self._locked():
                entry = self._edit_locked(file_name, entry_id, mutate, actor, new_file_ok)
        except (OSError, UnicodeDecodeError) as error:  # permissions, full disk, bad bytes
            logger.error("knowledge base: saving %s failed: %s", file_name, error)
            reason = getattr(error, "strerror", None) or type(error).__name__
            raise KbEditError(
                [f"Berkas {file_name} tidak bisa dibaca atau ditulis di server ({reason})."]
            ) from error
        logger.info("knowledge base: %s saved %s in %s", actor, entry_id, file_name)
        self._serve()
        return entry

    def _edit_locked(
        self,
        file_name: str,
        entry_id: str,
        mutate: Callable[[CommentedMap, Sequence[Entry]], list[str]],
        actor: str,
        new_file_ok: bool,
    ) -> Entry:
        path = self.directory / file_name
        loaded = load_directory(self.directory)
        if not loaded.problems:  # an outside edit not seen yet is recorded as such first
            self.history.observe(loaded, self.directory)
        if not path.exists() and not new_file_ok:
            raise KbEditError([f"Berkas {file_name} tidak ada. Muat ulang halaman."])
        original = path.read_text(encoding="utf-8") if path.exists() else NEW_FILE_HEADER
        try:
            document = self._yaml.load(original)
        except RuamelError as error:
            raise KbEditError(
                [f"Berkas {file_name} tidak bisa dibaca sebagai YAML; perbaiki dulu: {error}"]
            ) from error
        if not isinstance(document, CommentedMap) or not isinstance(
            document.get("entries"), CommentedSeq
        ):
            raise KbEditError([f"Berkas {file_name} tidak berisi daftar 'entries'."])
        touched = mutate(document, loaded.entries)
        text = self._dump(document)
        if text == original:
            raise KbEditError([NOTHING_CHANGED])
        fingerprint_after = self._check(file_name, text, touched)
        before = _entries_of(file_name, original)
        after = _entries_of(file_name, text)
        changes = [
            EntryChange(
                changed,
                file_name,
                entry_text(before[changed]) if changed in before else None,
                entry_text(after[changed]) if changed in after else None,
            )
            for changed in touched
        ]
        self.history.record_console(actor, changes, fingerprint_after)
        atomic_write(path, text)
        return after[entry_id]

    def _check(self, file_name: str, text: str, touched: Sequence[str]) -> str:
        """Check the folder as it would be; refuse what the change breaks. Returns the
        fingerprint the files will have."""
        with tempfile.TemporaryDirectory(prefix="sscn-kb-check-") as scratch:
            copy = Path(scratch)
            for path in kb_files(self.directory):
                shutil.copy2(path, copy / path.name)
            if (self.directory / SEASON_FILE).exists():
                (copy / SEASON_FILE).parent.mkdir(parents=True)
                shutil.copy2(self.directory / SEASON_FILE, copy / SEASON_FILE)
            (copy / file_name).write_text(text, encoding="utf-8")
            loader_problems = load_directory(copy).problems
            problems = check_directory(copy)
            fingerprint_after = fingerprint(copy)
        baseline = self._baseline_problems() if problems else frozenset()
        blocking = [
            problem
            for problem in problems
            if problem in loader_problems or _key(problem) not in baseline
        ]
        if blocking:
            raise KbEditError(_explain(blocking, touched))
        self._baseline = (fingerprint_after, frozenset(map(_key, problems)))
        return fingerprint_after

    def _baseline_problems(self) -> frozenset:
        """The ``kb check`` problems of the folder as it is (cached per fingerprint)."""
        now = fingerprint(self.directory)
        if self._baseline is None or self._baseline[0] != now:
            self._baseline = (now, frozenset(map(_key, check_directory(self.directory))))
        return self._baseline[1]

    def _serve(self) -> None:
        """Record the saved version, and refit this process's store in the background
        (seconds of work the form need not wait for; other processes reload on their
        next message)."""
        self.history.observe(load_directory(self.directory), self.directory)
        if self.store is not None:
            threading.Thread(target=self._refresh, name="kb-reload", daemon=True).start()

    def _refresh(self) -> None:
        with contextlib.suppress(KnowledgeBaseError):  # logged by the store
            self.store.current()

    def _file_of(self, entry_id: str) -> str:
        entry = _find(load_directory(self.directory).entries, entry_id)
        if entry is None:
            raise KbEditError([f"Entri '{entry_id}' tidak ditemukan."])
        return entry.source_file

    def _dump(self, document: CommentedMap) -> str:
        out = io.StringIO()
        self._yaml.dump(document, out)
        return out.getvalue()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        descriptor = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # releases the lock


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``: a reader sees the old file or the new, never half."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


# --- helpers ------------------------------------------------------------------
def _find(entries: Sequence[Entry], entry_id: str) -> Entry | None:
    return next((entry for entry in entries if entry.id == entry_id), None)


def _item(document: CommentedMap, entry_id: str) -> CommentedMap:
    for item in document["entries"]:
        if isinstance(item, CommentedMap) and item.get("id") == entry_id:
            return item
    raise KbEditError([f"Entri '{entry_id}' tidak ditemukan. Muat ulang halaman."])


def _entries_of(file_name: str, text: str) -> dict[str, Entry]:
    entries, _ = parse_file(file_name, yaml.safe_load(text))
    return {entry.id: entry for entry in entries}


def _key(problem: Problem) -> tuple[str, str | None, str]:
    """A problem compared across folders (the copy's path differs from the real one)."""
    return Path(problem.file).name, problem.entry_id, problem.message


def _explain(problems: Sequence[Problem], touched: Sequence[str]) -> list[str]:
    """The problems for the form: about this entry first, each located."""
    ordered = sorted(problems, key=lambda problem: problem.entry_id not in touched)
    return [f"Pemeriksaan basis pengetahuan: {problem}" for problem in ordered]


def _text_problems(values: dict[str, str | None]) -> list[str]:
    """Title, answer and short answer given (not ``None``) and what is wrong with them."""
    problems = []
    title, answer, short = values.get("title"), values.get("answer"), values.get("short_answer")
    if title is not None and not title:
        problems.append("Judul wajib diisi.")
    if title and len(title) > MAX_TITLE:
        problems.append(f"Judul paling panjang {MAX_TITLE} karakter.")
    if answer is not None and not answer:
        problems.append("Jawaban wajib diisi.")
    if answer and len(answer) > MAX_ANSWER:
        problems.append(f"Jawaban paling panjang {MAX_ANSWER} karakter.")
    if short is not None and not short:
        problems.append("Jawaban singkat wajib diisi (dipakai untuk balasan di X).")
    if short and tweet_weight(short) > TWEET_MAX_WEIGHT:
        problems.append(
            f"Jawaban singkat {tweet_weight(short)} karakter menurut hitungan X "
            f"(maksimal {TWEET_MAX_WEIGHT}; satu tautan dihitung 23)."
        )
    return problems


def _draft_problems(draft: EntryDraft) -> list[str]:
    problems = []
    if not ID_PATTERN.match(draft.id):
        problems.append(
            "ID diawali huruf kecil, lalu huruf kecil, angka atau '_' (2-64 karakter), "
            "mis. cara_unggah_ijazah."
        )
    problems.extend(
        _text_problems(
            {
                "title": one_line(draft.title),
                "answer": block_text(draft.answer),
                "short_answer": one_line(draft.short_answer),
            }
        )
    )
    questions = distinct_phrasings(draft.questions)
    if len(questions) < MIN_QUESTIONS:
        problems.append(f"Perlu paling sedikit {MIN_QUESTIONS} frasa pertanyaan yang berbeda.")
    if len(draft.questions) > MAX_PHRASINGS:
        problems.append(f"Paling banyak {MAX_PHRASINGS} frasa.")
    if any(len(one_line(text)) > MAX_PHRASING for text in draft.questions):
        problems.append(f"Satu frasa paling panjang {MAX_PHRASING} karakter.")
    problems.extend(_program_problems(draft.programs))
    problems.extend(_source_problems(draft.sources))
    if len(draft.links) > MAX_ITEMS:
        problems.append(f"Paling banyak {MAX_ITEMS} tautan.")
    problems.extend(_url_problems(url for _title, url in draft.links))
    if len(draft.tags) > MAX_TAGS or not all(TAG.fullmatch(tag) for tag in draft.tags):
        problems.append("Tag: kata huruf kecil, angka atau '_', dipisah koma (paling banyak 20).")
    if not problems:
        raw = _plain(draft)
        _, schema_problems = parse_file(draft.file, {"entries": [raw]})
        problems.extend(f"Pemeriksaan: {problem.message}" for problem in schema_problems)
    return problems


def _expanded(programs: Sequence[str]) -> frozenset[str]:
    """The programs named, "all" spelled out: [all] and [cpns, kedinasan, pppk] agree."""
    names = {name.strip().lower() for name in programs}
    return PROGRAMS if ALL_PROGRAMS in names else frozenset(names)


def _program_problems(programs: Sequence[str]) -> list[str]:
    if not programs or not set(programs) <= PROGRAMS | {ALL_PROGRAMS}:
        return ["Pilih program: CPNS, PPPK, Sekolah Kedinasan, atau semua."]
    if ALL_PROGRAMS in programs and len(programs) > 1:
        return ["'Semua program' tidak digabung dengan program lain."]
    return []


def _source_problems(sources: Sequence[tuple[str, int | str]]) -> list[str]:
    if not sources:
        return ["Cantumkan paling sedikit satu sumber (alamat dan tahun)."]
    if len(sources) > MAX_ITEMS:
        return [f"Paling banyak {MAX_ITEMS} sumber."]
    problems = _url_problems(url for url, _year in sources)
    for url, year in sources:
        _, found = parse_file("-", {"entries": [{"sources": [{"url": url, "year": year}]}]})
        if any("has year" in problem.message for problem in found):
            problems.append(
                f"Sumber {url[:80]}: tahun {year!r} tidak valid "
                "(contoh: 2024, 2024-25, atau undated)."
            )
    return problems


def _url_problems(urls: Iterable[str]) -> list[str]:
    return [
        f"Alamat {url[:80]!r} harus diawali https:// (tanpa spasi)."
        for url in urls
        if not url.startswith(("https://", "http://")) or len(url) > 500 or " " in url
    ]


def _plain(draft: EntryDraft) -> dict:
    """The draft as the files write it (plain values), in the files' key order."""
    raw: dict = {
        "id": draft.id,
        "title": one_line(draft.title),
        "questions": distinct_phrasings(draft.questions),
        "answer": block_text(draft.answer) + "\n",
        "short_answer": one_line(draft.short_answer),
    }
    if draft.links:
        raw["links"] = [{"title": one_line(title) or url, "url": url} for title, url in draft.links]
    if draft.tags:
        raw["tags"] = list(draft.tags)
    raw["sources"] = [{"url": url, "year": year} for url, year in draft.sources]
    raw["programs"] = list(draft.programs)
    return raw


def _entry_map(draft: EntryDraft) -> CommentedMap:
    """The draft as a round-trip mapping in the style of the existing files."""
    raw = _plain(draft)
    item = CommentedMap()
    for key, value in raw.items():
        if key == "answer":
            item[key] = LiteralScalarString(value)
        elif key in ("tags", "programs"):
            item[key] = _flow(CommentedSeq(value))
        elif key == "sources":
            item[key] = CommentedSeq(_flow(CommentedMap(source)) for source in value)
        elif key == "links":
            item[key] = CommentedSeq(CommentedMap(link) for link in value)
        elif key == "questions":
            item[key] = CommentedSeq(value)
        else:
            item[key] = value
    return item


def _flow(node):
    node.fa.set_flow_style()
    return node
