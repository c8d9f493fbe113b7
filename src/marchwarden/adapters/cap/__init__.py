"""CAP 1.2 as XML: write (lxml), validate against the OASIS XSD, read untrusted documents
safely, and the Atom feed of current alerts."""
