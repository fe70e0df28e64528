"""``python -m mesostage``: the same command line as ``mesostage``."""

from mesostage.cli import main

main()
