"""Allow ``python -m vigil``; the editor extension starts the server this way."""

from vigil.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
