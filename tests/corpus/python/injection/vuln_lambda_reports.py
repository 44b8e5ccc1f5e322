# expect: CWE-89 CWE-95
"""A Lambda function that builds reports from the event it receives."""
import sqlite3


class ReportStore:
    def __init__(self, path: str = "/tmp/reports.db") -> None:
        self.conn = sqlite3.connect(path)

    def rows(self, table: str, owner: str):
        cursor = self.conn.cursor()
        cursor.execute(f"SELECT * FROM {table} WHERE owner = '{owner}'")
        return cursor.fetchall()


def handler(event, context):
    store = ReportStore()
    rows = store.rows(event["table"], event["owner"])
    formula = event.get("score_formula", "len(rows)")
    score = eval(formula, {"rows": rows})
    return {"count": len(rows), "score": score}
