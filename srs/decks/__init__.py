"""Deck files: the parser, `srs add` authoring, syncing into the store, the linter and the importers."""

MAX_DECK_BYTES = 2 * 1024 * 1024  # a deck file larger than this is skipped
