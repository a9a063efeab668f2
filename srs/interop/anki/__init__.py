"""Anki: note types and package writing (export), package reading (import)."""
