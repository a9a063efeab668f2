"""Other programs' formats (Anki packages, both ways)."""
