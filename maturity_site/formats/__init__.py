"""Our own date formats for the interface languages (settings.FORMAT_MODULE_PATH).

A language without a module here keeps Django's formats (sv, nb, hu); a module sets only
what it changes, and Django's own module of the language supplies the rest.
"""
