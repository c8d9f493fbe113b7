"""``python -m marchwarden``."""

from marchwarden.entrypoints.cli import main

main()
