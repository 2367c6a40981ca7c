"""`python -m ccc_governance …` runs the `ccc` command line."""

from .cli import main

main()
