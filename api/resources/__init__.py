"""One module per resource, each with a ``router`` (added in ``api/v1.py``)."""
