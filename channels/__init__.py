"""Input and output channels: web chat, REST (and later Telegram and X).

Rasa imports this package when it loads the channels of ``credentials.yml``;
that is where our runtime fixes and speed-ups for Rasa are installed.
"""

from channels import rasa_patches, rasa_speedups

rasa_patches.apply()
rasa_speedups.apply()
