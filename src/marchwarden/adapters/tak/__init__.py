"""The TAK gateway's I/O: the CoT streaming server (TCP and TLS), framing, the CA and the
certificate-enrolment endpoints."""
