"""Builders of the bundled data files in ``marchwarden/data`` (run by a maintainer, not by
the server): each module rewrites one file from its source and says so in NOTICE.md."""
