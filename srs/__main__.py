"""`python -m srs` runs the command line."""

from srs.cli import main

main()
