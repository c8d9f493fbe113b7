"""The pure domain: rules, state machines and computations. No I/O library is imported here."""
