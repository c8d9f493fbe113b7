"""The tamper-evident audit trail: hash chain computation and verification (pure)."""
