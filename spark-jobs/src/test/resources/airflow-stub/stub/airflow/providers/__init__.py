"""Stub package."""
