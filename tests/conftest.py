"""Fixtures shared by the test suite: one trained model and one running bot per run."""

from __future__ import annotations

import pytest

from tests.integration.servers import start_bot, train_model


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory):
    return train_model(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def running_bot(trained_model, tmp_path_factory):
    bot = start_bot(trained_model, tmp_path_factory.mktemp("bot"))
    yield bot
    bot.stop()
