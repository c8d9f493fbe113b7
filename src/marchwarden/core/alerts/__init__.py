"""Public alerts in CAP 1.2: the alert, its areas, its workflow and its CAP documents.

Pure: no I/O. The XML is written and read by ``marchwarden.adapters.cap``; the store
keeps alerts and their messages (``adapters/db/alerts_repo.py``).
"""
