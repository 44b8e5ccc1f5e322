# expect: CWE-798 CWE-209
import traceback

from flask import Flask, jsonify

app = Flask(__name__)
app.config["SECRET_KEY"] = "9c4e1f7a2b8d5e3f0a6c9b2d"


@app.get("/reports/<int:report_id>")
def report(report_id: int):
    try:
        return jsonify(render_report(report_id))
    except Exception:
        return jsonify(error=traceback.format_exc()), 500


def render_report(report_id: int) -> dict:
    return {"id": report_id}
