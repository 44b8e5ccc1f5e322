"""The ``vigil`` command line: ``check`` for CI, ``rules``/``rule`` for docs, ``serve`` for editors."""
