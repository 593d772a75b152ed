"""The web chat: a socket.io channel that also serves the chat page."""

from channels.webchat.channel import WebChatInput

__all__ = ["WebChatInput"]
