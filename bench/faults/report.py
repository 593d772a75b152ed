"""Markdown tables of a fault campaign's results (build/faults/results.json), for
docs/FAULT_CAMPAIGN.md:

    python3 bench/faults/report.py [build/faults/results.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CHANNELS = ("webchat", "telegram", "x", "rest")


def render(data: dict) -> str:
    lines = [
        f"Source: {data.get('source')}; process manager: {data.get('manager')}; "
        f"elapsed {data.get('elapsed_s')} s.",
        "",
        "| # | scenario | verdict | lost | dup | recovered | recovery s (web/tg/x/rest) |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in data["scenarios"]:
        if result["verdict"] == "skipped":
            lines.append(f"| {result['order']} | {result['name']} | skipped | | | | |")
            continue
        rec = result["recovery_s"]
        lines.append(
            f"| {result['order']} | {result['name']} | {result['verdict']} | {result['lost']} "
            f"| {result['duplicated']} | {result['recovered']} | "
            + " / ".join(str(rec.get(c)) for c in CHANNELS)
            + " |"
        )
    lines += [
        "",
        "Per channel (sent / answered / lost / duplicated; apologies seen after the fault):",
        "",
    ]
    lines += [
        "| # | " + " | ".join(CHANNELS) + " | Telegram redeliveries |",
        "|---|" + "---|" * (len(CHANNELS) + 1),
    ]
    for result in data["scenarios"]:
        if result["verdict"] == "skipped":
            continue
        cells = []
        for channel in CHANNELS:
            row = result["by_channel"].get(channel)
            seen = result["seen_during_fault"].get(channel, {})
            if row is None:
                cells.append("-")
                continue
            extra = []
            if seen.get("apology_total"):
                extra.append(f"apol. {seen['apology_total']}")
            if seen.get("refused_turns"):
                extra.append(f"refused {seen['refused_turns']}")
            if seen.get("socket_dropped"):
                extra.append(f"drops {seen['socket_dropped']}")
            cells.append(
                f"{row['sent']}/{row['answered']}/{row['lost']}/{row['duplicated']}"
                + (f" ({', '.join(extra)})" if extra else "")
            )
        tg = result["telegram"]
        cells.append(f"{tg['redeliveries']} (max {tg['max_attempts']} attempts)")
        lines.append(f"| {result['order']} | " + " | ".join(cells) + " |")
    lines += ["", data.get("summary", "")]
    return "\n".join(lines)


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "build/faults/results.json")
    print(render(json.loads(path.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
