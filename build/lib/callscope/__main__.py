"""`python -m callscope` runs the CLI."""

from callscope.entrypoints.cli import main

main()
