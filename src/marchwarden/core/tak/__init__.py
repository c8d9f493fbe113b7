"""Cursor-on-Target for the TAK gateway: the event model, safe XML parsing, symbol codes
and what a principal may receive. Pure: no sockets, no store."""
