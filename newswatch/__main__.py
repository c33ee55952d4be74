"""`python -m newswatch` runs the CLI."""

from newswatch.cli import main

main()
