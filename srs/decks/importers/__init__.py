"""Importers that turn other programs' cards (Anki text files, Obsidian notes, Anki packages) into deck files."""
