# expect: CWE-377
"""Spools report rows to a temporary file."""
import tempfile


class ReportSpool:
    def __init__(self, rows) -> None:
        self.rows = rows

    def write(self) -> str:
        path = tempfile.mktemp(suffix=".csv", prefix="report-")
        with open(path, "w", encoding="utf-8") as fh:
            fh.writelines(self.rows)
        return path
