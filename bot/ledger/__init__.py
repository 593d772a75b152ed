"""The complaint ledger: cases, their lifecycle and SLA arithmetic."""
