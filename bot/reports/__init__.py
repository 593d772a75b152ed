"""Reports for Humas and management (definitions: docs/METRICS.md)."""
