"""Reports for Humas and management (definitions: docs/METRICS.md)."""

from bot.vocabulary import Channel

# Channels a report can be narrowed to (the CLI's --channel, the console's form).
REPORT_CHANNELS = tuple(channel.value for channel in Channel)
