# rules: INJ005 INJ006 INJ007
# %% prelude
import sqlite3
from flask import Flask, request
from sqlalchemy import text

app = Flask(__name__)
db = sqlite3.connect("app.db")

# %% vulnerable: fstring
def find():
    name = request.args["name"]
    return db.execute(f"SELECT * FROM users WHERE name = '{name}'")  # expect

# %% safe: fstring
def find():
    name = request.args["name"]
    return db.execute("SELECT * FROM users WHERE name = ?", (name,))

# %% vulnerable: percent-format
def find():
    uid = request.args.get("id")
    return db.execute("SELECT * FROM users WHERE id = %s" % uid)  # expect

# %% safe: percent-format
def find():
    uid = int(request.args.get("id"))
    return db.execute("SELECT * FROM users WHERE id = %s" % uid)

# %% vulnerable: dot-format
def find():
    sql = "SELECT * FROM users WHERE name = '{}'".format(request.form["name"])
    return db.execute(sql)  # expect

# %% safe: dot-format
def find():
    sql = "SELECT * FROM users WHERE name = '{}'".format("admin")
    return db.execute(sql)

# %% vulnerable: dict-key
def find():
    parts = {"where": request.args["q"], "order": "id"}
    return db.execute("SELECT * FROM t WHERE " + parts["where"])  # expect

# %% safe: dict-key
def find():
    parts = {"where": request.args["q"], "order": "id"}
    return db.execute("SELECT * FROM t ORDER BY " + parts["order"])

# %% vulnerable: overwrite-later
def find():
    q = "SELECT 1"
    q = "SELECT * FROM t WHERE a = " + request.args["a"]
    return db.execute(q)  # expect

# %% safe: overwrite-later
def find():
    q = "SELECT * FROM t WHERE a = " + request.args["a"]
    q = "SELECT 1"
    return db.execute(q)

# %% vulnerable: helper-function
def build(column):
    return f"SELECT {column} FROM t"

def find():
    return db.execute(build(request.args["col"]))  # expect

# %% safe: helper-function
def build(column):
    return "SELECT name FROM t"

def find():
    return db.execute(build(request.args["col"]))

# %% vulnerable: dead-branch-live
def find():
    q = request.args["q"]
    if 7 * 18 - 106 > 10:
        db.execute("SELECT * FROM t WHERE " + q)  # expect

# %% safe: dead-branch-live
def find():
    q = request.args["q"]
    if 7 * 18 - 106 > 200:
        db.execute("SELECT * FROM t WHERE " + q)

# %% vulnerable: allow-list-missing
COLUMNS = ("name", "email")

def find():
    col = request.args["sort"]
    if col in COLUMNS or col:
        return db.execute(f"SELECT * FROM t ORDER BY {col}")  # expect

# %% safe: allow-list-missing
COLUMNS = ("name", "email")

def find():
    col = request.args["sort"]
    if col in COLUMNS:
        return db.execute(f"SELECT * FROM t ORDER BY {col}")

# %% vulnerable: sqlalchemy-text
def find(session):
    name = request.args["name"]
    return session.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))  # expect

# %% safe: sqlalchemy-text
def find(session):
    name = request.args["name"]
    return session.execute(text("SELECT * FROM users WHERE name = :n"), {"n": name})

# %% vulnerable: class-field
class Repo:
    def __init__(self, table):
        self.table = table

    def count(self):
        return db.execute("SELECT count(*) FROM " + self.table)  # expect

def view():
    return Repo(request.args["table"]).count()

# %% safe: class-field
class Repo:
    def __init__(self, table):
        self.table = "users"

    def count(self):
        return db.execute("SELECT count(*) FROM " + self.table)

def view():
    return Repo(request.args["table"]).count()

# %% vulnerable: join-list
def find():
    ids = request.args.getlist("id")
    return db.execute("SELECT * FROM t WHERE id IN (" + ",".join(ids) + ")")  # expect

# %% safe: join-list
def find():
    ids = [int(i) for i in request.args.getlist("id")]
    return db.execute("SELECT * FROM t WHERE id IN (" + ",".join(str(i) for i in ids) + ")")

# %% vulnerable: route-param
@app.route("/user/<name>")
def user(name):
    return db.execute(f"SELECT * FROM users WHERE name = '{name}'")  # expect

# %% safe: route-param
@app.route("/user/<int:uid>")
def user(uid):
    return db.execute(f"SELECT * FROM users WHERE id = {uid}")

# %% vulnerable: django-raw
def search(request):
    term = request.GET.get("q", "")
    return Article.objects.raw("SELECT * FROM article WHERE title LIKE '%%" + term + "%%'")  # expect

# %% safe: django-raw
def search(request):
    term = request.GET.get("q", "")
    return Article.objects.raw("SELECT * FROM article WHERE title LIKE %s", ["%" + term + "%"])

# %% vulnerable: tuple-unpack
def find():
    table, limit = request.args["t"], 10
    return db.execute(f"SELECT * FROM {table} LIMIT {limit}")  # expect

# %% safe: tuple-unpack
def find():
    limit, table = request.args["t"], "users"
    return db.execute(f"SELECT * FROM {table}")
