"""The terminal front end (rich): keys, the review screen, charts, text rendering."""
