# expect: none
"""Commands and queries built only from constants or passed as argument lists."""
import shlex
import sqlite3
import subprocess
from subprocess import run as run_process

from flask import Flask, request

app = Flask(__name__)
db = sqlite3.connect("app.db")
GIT = "/usr/bin/git"


def git(*args: str) -> str:
    return subprocess.check_output([GIT, *args], text=True)


@app.get("/log")
def log():
    branch = request.args.get("branch", "main")
    # An argument list never goes through a shell: the branch stays one argument.
    return git("log", "--oneline", "-n", "20", "--", branch)


@app.post("/archive")
def archive():
    name = request.form["name"]
    run_process(
        ["tar", "-czf", "/tmp/out.tgz", name],
        check=True,
        shell=False,
    )
    subprocess.run("tar -tzf " + shlex.quote(name), shell=True, check=True)
    subprocess.run("uptime", shell=True, check=True)
    return "ok"


@app.get("/users")
def users():
    limit = int(request.args.get("limit", 10))
    columns = ", ".join(["id", "name", "email"])
    sql = f"SELECT {columns} FROM users ORDER BY id LIMIT {limit}"
    return {"users": db.execute(sql).fetchall()}


@app.get("/user")
def user():
    return {"user": db.execute("SELECT * FROM users WHERE name = ?", (request.args["name"],)).fetchone()}
