# expect: CWE-1336 CWE-22
"""Email template previews, rendered from user input."""
from pathlib import Path

from flask import Flask, render_template_string, request, send_file

app = Flask(__name__)
TEMPLATES = Path("/srv/templates")


@app.post("/preview")
def preview():
    body = request.get_json()["body"]
    return render_template_string(body, user="preview")


@app.get("/attachments/<path:name>")
def attachment(name):
    return send_file(TEMPLATES / "attachments" / name)
