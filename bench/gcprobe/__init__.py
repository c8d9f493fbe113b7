"""``sitecustomize.py`` here is put on a benchmark server's ``PYTHONPATH`` by
``bench_ingest.py --gc-probe``; it is not imported as part of this package."""
