"""Reports for Humas and management (definitions: docs/METRICS.md)."""

# Channels a report can be narrowed to (the CLI's --channel, the console's form).
REPORT_CHANNELS = ("webchat", "telegram", "twitter", "rest")
