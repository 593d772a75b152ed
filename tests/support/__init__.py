"""Helpers the tests share (fixtures shared across folders live in conftest.py files;
tools the bench shares too live in ``devtools``)."""
