# expect: CWE-78 CWE-89
"""An internal ops console: aliased imports, a wrapper around the shell, multi-line calls."""
import sqlite3
import subprocess as sp
from os import system as run_shell

from flask import Flask, request

app = Flask(__name__)
db = sqlite3.connect("ops.db")


def shell(command: str) -> str:
    """Wrapper every handler uses; the shell sees whatever the caller passes."""
    return sp.check_output(
        command,
        shell=True,
        text=True,
    )


@app.route("/logs")
def tail_logs():
    service = request.args.get("service", "api")
    return shell(f"journalctl -u {service} -n 200")


@app.post("/restart")
def restart():
    unit = request.form["unit"]
    run_shell("systemctl restart " + unit)
    return "ok"


@app.get("/hosts")
def hosts():
    region = request.args["region"]
    query = (
        "SELECT name, ip FROM hosts "
        "WHERE region = '%s' ORDER BY name" % region
    )
    return {"hosts": db.execute(query).fetchall()}
