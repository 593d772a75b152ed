"""Humas's pages: the knowledge base (entries, their history, corrections) and the FAQ
suggestions (approve as a new entry, add to an entry, dismiss).

Every change goes through ``services.kb_editor`` (kb check first, atomic write,
history) and every decision through ``services.suggestions``. A refused save shows
the form again with what was typed and the problems.
"""

from __future__ import annotations

import datetime as dt

from sanic import Blueprint
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.kb.editor import EntryDraft, KbEditError, one_line
from bot.kb.history import digest, entry_text
from bot.kb.loader import LoadedKnowledgeBase, load_directory
from bot.kb.schema import ID_PATTERN, PROGRAMS, Entry
from bot.kb.suggestions import OPEN, Suggestion, SuggestionError
from bot.ledger.calendar import WIB
from console.web import back, db, field, me, render, require_humas, services_of

humas = Blueprint("humas", url_prefix="/humas")
MAX_QUERY = 100
MAX_REFRESH_DAYS = 92
MAX_FORM_LINES = 120
DEFAULT_FILE = "humas.yml"
PROGRAM_CHOICES = (
    ("all", "Semua program"),
    ("cpns", "CPNS"),
    ("pppk", "PPPK"),
    ("kedinasan", "Sekolah Kedinasan"),
)
SAVED = "Tersimpan. Bot memakai versi baru mulai pesan berikutnya."


# --- knowledge base -----------------------------------------------------------
@humas.get("/kb")
async def kb_page(request: Request) -> HTTPResponse:
    require_humas(request)
    services = services_of(request)
    query = one_line(request.args.get("cari", ""))[:MAX_QUERY]
    loaded = await db(request, _files, services)
    latest = await db(request, services.kb_history.latest_by_entry)
    words = query.casefold().split()
    entries = [entry for entry in loaded.entries if all(w in _haystack(entry) for w in words)]
    return render(
        request,
        "humas_kb.html",
        entries=entries,
        total=len(loaded.entries),
        latest=latest,
        query=query,
        problems=loaded.problems,
        recent=await db(request, services.kb_history.recent, 10),
    )


@humas.get("/kb/<entry_id>")
async def entry_page(request: Request, entry_id: str) -> HTTPResponse:
    require_humas(request)
    return await _entry(request, entry_id)


@humas.post("/kb/<entry_id>")
async def save_entry(request: Request, entry_id: str) -> HTTPResponse:
    require_humas(request)
    form = request.form
    typed = {
        key: field(form, key)
        for key in ("title", "answer", "short_answer", "phrasings", "version", "sources")
    }
    typed["programs"] = _values(form, "program")
    typed["remove"] = _values(form, "remove")
    try:
        await db(request, _update, services_of(request), entry_id, me(request).username, typed)
    except KbEditError as error:
        return await _entry(request, entry_id, typed, error.problems, status=400)
    return back(f"/humas/kb/{entry_id}", ok=SAVED)


def _update(services, entry_id: str, actor: str, typed: dict) -> None:
    services.kb_editor.update_entry(
        entry_id,
        actor,
        expected_version=typed["version"] or None,
        title=typed["title"],
        answer=typed["answer"],
        short_answer=typed["short_answer"],
        phrasings=_lines(typed["phrasings"]),
        remove=typed["remove"],
        programs=typed["programs"],
        sources=_sources(typed["sources"]),
    )


async def _entry(
    request: Request,
    entry_id: str,
    typed: dict | None = None,
    problems: tuple[str, ...] = (),
    status: int = 200,
) -> HTTPResponse:
    if not ID_PATTERN.match(entry_id):
        raise NotFound("Entri tidak ditemukan.")
    services = services_of(request)
    loaded = await db(request, _files, services)
    entry = next((entry for entry in loaded.entries if entry.id == entry_id), None)
    history = await db(request, services.kb_history.for_entry, entry_id)
    if entry is None and not history:
        raise NotFound("Entri tidak ditemukan.")
    form = typed or (
        {
            "title": entry.title,
            "answer": entry.answer,
            "short_answer": entry.short_answer,
            "phrasings": "",
            "version": digest(entry_text(entry)),
            "sources": "\n".join(f"{s.url} {s.year}" for s in entry.sources),
            "programs": ["all"] if entry.programs == PROGRAMS else sorted(entry.programs),
            "remove": [],
        }
        if entry
        else {}
    )
    return render(
        request,
        "humas_entry.html",
        status=status,
        entry=entry,
        entry_id=entry_id,
        history=history,
        form=form,
        problems=problems,
        programs=PROGRAM_CHOICES,
    )


# --- FAQ suggestions ----------------------------------------------------------
@humas.get("/saran")
async def suggestions_page(request: Request) -> HTTPResponse:
    require_humas(request)
    services = services_of(request)
    today = dt.datetime.now(WIB).date()
    return render(
        request,
        "humas_saran.html",
        suggestions=await db(request, services.suggestions.open),
        first_day=(today - dt.timedelta(days=6)).isoformat(),
        last_day=today.isoformat(),
    )


@humas.post("/saran/perbarui")
async def refresh_suggestions(request: Request) -> HTTPResponse:
    require_humas(request)
    try:
        first = dt.date.fromisoformat(field(request.form, "first_day"))
        last = dt.date.fromisoformat(field(request.form, "last_day"))
    except ValueError:
        return back("/humas/saran", err="Tanggal tidak valid (format TTTT-BB-HH).")
    if (last - first).days >= MAX_REFRESH_DAYS:
        return back("/humas/saran", err=f"Periode paling panjang {MAX_REFRESH_DAYS} hari.")
    try:
        found = await db(request, services_of(request).suggestions.refresh, first, last)
    except SuggestionError as error:
        return back("/humas/saran", err=str(error))
    return back("/humas/saran", ok=f"Saran diperbarui: {len(found)} saran terbuka.")


@humas.get("/saran/<suggestion_id:int>/baru")
async def new_entry_form(request: Request, suggestion_id: int) -> HTTPResponse:
    require_humas(request)
    suggestion = await _open_suggestion(request, suggestion_id)
    if not isinstance(suggestion, Suggestion):
        return suggestion
    form = {
        "entry_id": suggestion.proposed_id,
        "title": suggestion.proposed_title,
        "questions": "\n".join(suggestion.proposed_phrasings),
        "answer": "",
        "short_answer": "",
        "programs": [],
        "sources": "",
        "tags": "",
        "file": DEFAULT_FILE,
    }
    return await _new_entry(request, suggestion, form)


@humas.post("/saran/<suggestion_id:int>/baru")
async def approve(request: Request, suggestion_id: int) -> HTTPResponse:
    require_humas(request)
    suggestion = await _open_suggestion(request, suggestion_id)
    if not isinstance(suggestion, Suggestion):
        return suggestion
    form = request.form
    typed = {
        key: field(form, key)
        for key in ("entry_id", "title", "questions", "answer", "short_answer", "sources", "tags")
    }
    typed["programs"] = _values(form, "program")
    typed["file"] = field(form, "new_file").strip() or field(form, "file")
    services, actor = services_of(request), me(request).username
    try:
        draft = _draft(typed)
        entry = await db(request, services.kb_editor.add_entry, draft, actor)
    except KbEditError as error:
        return await _new_entry(request, suggestion, typed, error.problems, status=400)
    try:
        await db(request, services.suggestions.approve, suggestion_id, entry.id, actor)
    except SuggestionError as error:
        return back(f"/humas/kb/{entry.id}", err=f"Entri tersimpan, tetapi: {error}")
    return back(f"/humas/kb/{entry.id}", ok=f"Entri baru tersimpan dan saran disetujui. {SAVED}")


@humas.post("/saran/<suggestion_id:int>/gabung")
async def merge(request: Request, suggestion_id: int) -> HTTPResponse:
    require_humas(request)
    suggestion = await _open_suggestion(request, suggestion_id)
    if not isinstance(suggestion, Suggestion):
        return suggestion
    form = request.form
    entry_id = field(form, "other_id").strip() or field(form, "entry_id").strip()
    offered = {*suggestion.proposed_phrasings, *suggestion.questions}
    phrasings = [text for text in _values(form, "phrasing") if text in offered]
    if not ID_PATTERN.match(entry_id):
        return back("/humas/saran", err="Pilih entri tujuan atau tulis ID entri yang benar.")
    if not phrasings:
        return back("/humas/saran", err="Pilih paling sedikit satu frasa untuk ditambahkan.")
    services, actor = services_of(request), me(request).username
    try:
        added = await db(request, services.kb_editor.add_phrasings, entry_id, phrasings, actor)
    except KbEditError as error:
        return back("/humas/saran", err=" ".join(error.problems))
    try:
        await db(request, services.suggestions.merge, suggestion_id, entry_id, actor)
    except SuggestionError as error:
        return back(f"/humas/kb/{entry_id}", err=f"Frasa tersimpan, tetapi: {error}")
    done = f"{len(added)} frasa ditambahkan" if added else "Semua frasa itu sudah ada"
    return back(f"/humas/kb/{entry_id}", ok=f"{done}; saran ditandai digabung.")


@humas.post("/saran/<suggestion_id:int>/abaikan")
async def dismiss(request: Request, suggestion_id: int) -> HTTPResponse:
    require_humas(request)
    try:
        await db(
            request, services_of(request).suggestions.dismiss, suggestion_id, me(request).username
        )
    except SuggestionError as error:
        return back("/humas/saran", err=str(error))
    return back("/humas/saran", ok="Saran diabaikan; pertanyaan yang sama tidak disarankan lagi.")


async def _open_suggestion(request: Request, suggestion_id: int) -> Suggestion | HTTPResponse:
    """The suggestion if it is still open; else a redirect saying who decided it."""
    suggestion = await db(request, services_of(request).suggestions.get, suggestion_id)
    if suggestion is None:
        return back("/humas/saran", err="Saran tidak ditemukan; mungkin sudah diperbarui.")
    if suggestion.state != OPEN:
        where = f" (entri {suggestion.entry_id})" if suggestion.entry_id else ""
        return back(
            "/humas/saran", err=f"Saran ini sudah diputuskan oleh {suggestion.decided_by}{where}."
        )
    return suggestion


async def _new_entry(
    request: Request,
    suggestion: Suggestion,
    form: dict,
    problems: tuple[str, ...] = (),
    status: int = 200,
) -> HTTPResponse:
    files = await db(request, services_of(request).kb_editor.files)
    return render(
        request,
        "humas_baru.html",
        status=status,
        suggestion=suggestion,
        form=form,
        files=files,
        programs=PROGRAM_CHOICES,
        problems=problems,
    )


def _files(services) -> LoadedKnowledgeBase:
    """The knowledge-base files as they are now; an edit made outside the console is
    recorded in the history as soon as a page shows it."""
    directory = services.settings.kb_dir
    loaded = load_directory(directory)
    if not loaded.problems:
        services.kb_history.observe(loaded, directory)
    return loaded


# --- form parsing -------------------------------------------------------------
def _sources(text: str) -> list[tuple[str, int | str]]:
    """Source lines "URL YEAR"; KbEditError for lines without a year."""
    problems = []
    sources = []
    for number, line in enumerate(_lines(text), start=1):
        url, _, year = line.partition(" ")
        year = year.strip()
        if not year:
            problems.append(
                f"Sumber baris {number}: tulis alamat lalu tahun, "
                "mis. https://sscasn.bkn.go.id 2024"
            )
            continue
        sources.append((url, int(year) if year.isdigit() else year))
    if problems:
        raise KbEditError(problems)
    return sources


def _draft(typed: dict) -> EntryDraft:
    """The new-entry form as a draft; KbEditError for lines it cannot read."""
    sources = _sources(typed["sources"])
    tags = tuple(tag.strip().lower() for tag in typed["tags"].split(",") if tag.strip())
    return EntryDraft(
        id=typed["entry_id"].strip(),
        title=typed["title"],
        questions=tuple(_lines(typed["questions"])),
        answer=typed["answer"],
        short_answer=typed["short_answer"],
        programs=tuple(typed["programs"]),
        file=typed["file"],
        sources=tuple(sources),
        tags=tags,
    )


def _lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_FORM_LINES:
        raise KbEditError([f"Paling banyak {MAX_FORM_LINES} baris per isian."])
    return lines


def _values(form, name: str) -> list[str]:
    """Every value of a repeated form field (checkboxes), as text without NUL."""
    values = form.getlist(name) if form else None
    return [value.replace("\x00", "") for value in values or () if isinstance(value, str)][
        :MAX_FORM_LINES
    ]


def _haystack(entry: Entry) -> str:
    return " ".join((entry.id, entry.title, entry.source_file, *entry.questions)).casefold()
