"""Input and output channels: web chat, REST (and later Telegram and X).

Rasa imports this package when it loads the channels of ``credentials.yml``;
that is where our runtime fixes for Rasa are installed.
"""

from channels import rasa_patches

rasa_patches.apply()
