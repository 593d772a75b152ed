"""Tools the tests and the bench share: free ports, a cuttable TCP proxy, a fake
Telegram Bot API, the bot's servers and scratch PostgreSQL schemas.

``net``, ``tcp_proxy`` and ``fake_telegram`` use the standard library only, so that the
load venv (``.venv-load``, without the product's dependencies) imports them too;
``servers`` and ``postgres`` need the product's venv.
"""
