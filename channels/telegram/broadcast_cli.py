"""``sscn broadcast list|show|resume``: announcements for operators."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from bot.announcements.broadcasts import DRAFT, PAUSED, SENDING, BroadcastView
from bot.announcements.sending import BUSY, HALTED, LOST, BroadcastWorker
from bot.services import Services
from channels.telegram.broadcast import MissingToken, telegram_worker

WAIT_POLL_SECONDS = 1.0


def _line(view: BroadcastView) -> str:
    return (
        f"#{view.id:<5d} {view.state_word:15s} {view.finished:>6d}/{view.recipients:<6d}"
        f" terkirim {view.sent}, gagal {view.failed}, diblokir {view.blocked},"
        f" tidak pasti {view.unknown}  {view.title[:60]}"
    )


def list_broadcasts(args: argparse.Namespace, services: Services) -> int:
    views = services.broadcasts.list()
    if not views:
        print("Belum ada pengumuman.")
    for view in views:
        print(_line(view))
    print(f"Pelanggan aktif: {services.subscriptions.active_count()}")
    return 0


def show(args: argparse.Namespace, services: Services) -> int:
    store = services.broadcasts
    view = store.get(args.id)
    if view is None:
        print(f"Pengumuman #{args.id} tidak ada.", file=sys.stderr)
        return 1
    print(_line(view))
    print(f"Dibuat {view.created_at:%Y-%m-%d %H:%M} UTC oleh {view.created_by}")
    if view.started_at:
        print(f"Mulai  {view.started_at:%Y-%m-%d %H:%M} UTC")
    if view.finished_at:
        print(f"Selesai {view.finished_at:%Y-%m-%d %H:%M} UTC")
    print(f"Kemajuan: {view.percent}% ({view.pending} belum)")
    states = store.recipient_states(args.id)
    if states:
        print("Penerima per status: " + ", ".join(f"{k} {v}" for k, v in sorted(states.items())))
    for error, count in store.errors(args.id):
        print(f"  {count:5d} × {error}")
    return 0


def resume(args: argparse.Namespace, services: Services) -> int:
    """Send the announcement here until it is done (waits for a crashed worker's lease)."""
    store = services.broadcasts
    view = store.get(args.id)
    if view is None:
        print(f"Pengumuman #{args.id} tidak ada.", file=sys.stderr)
        return 1
    if view.state == DRAFT:
        print(f"Pengumuman #{args.id} masih draf: mulai dari konsol.", file=sys.stderr)
        return 1
    if view.state not in (SENDING, PAUSED):
        print(_line(view))
        return 0
    try:
        worker = telegram_worker(services, on_progress=lambda v: print(_line(v), flush=True))
    except MissingToken as error:
        print(f"sscn: {error}", file=sys.stderr)
        return 2
    if view.state == PAUSED:
        store.resume(args.id)
    return asyncio.run(_run(worker, services, args.id))


async def _run(worker: BroadcastWorker, services: Services, broadcast_id: int) -> int:
    deadline = time.monotonic() + services.settings.broadcast_lease_seconds + 5
    try:
        while True:
            outcome = await worker.run(broadcast_id)
            if outcome.ending != BUSY or time.monotonic() > deadline:
                break
            print("Pengumuman sedang dipegang proses lain; menunggu...", flush=True)
            await asyncio.sleep(WAIT_POLL_SECONDS)
    finally:
        await worker.close()
    view = services.broadcasts.get(broadcast_id)
    print(_line(view))
    if outcome.abandoned:
        print(f"{outcome.abandoned} penerima sedang dikirimi saat proses sebelumnya berhenti:")
        print("dihitung 'tidak pasti' dan tidak dikirim ulang.")
    if outcome.ending == HALTED:
        print(f"sscn: {outcome.error}", file=sys.stderr)
        return 2
    if outcome.ending in (BUSY, LOST):
        print("Proses lain masih mengirim pengumuman ini.", file=sys.stderr)
        return 1
    return 0
