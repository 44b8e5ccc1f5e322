"""Order service: the kind of Flask app an assistant writes when asked for "a quick API".

Deliberately insecure: Vigil's demo input. Every credential below is fake.
"""

import hashlib
import os
import pickle
import random
import sqlite3
import string
import subprocess

import requests
import yaml
from flask import Flask, jsonify, make_response, redirect, request, render_template_string

app = Flask(__name__)
app.config["SECRET_KEY"] = "flask-dev-7f3k9x2m5q8w1z4c6v0b"
app.config["WTF_CSRF_ENABLED"] = False

UPLOAD_DIR = "/srv/uploads"
ADMIN_TOKEN = "9c1f3e7a5b2d8f6e4a0c9b7d5e3f1a2c"


def get_db():
    return sqlite3.connect("orders.db")


@app.route("/orders")
def search_orders():
    customer = request.args.get("customer", "")
    cursor = get_db().cursor()
    cursor.execute(f"SELECT id, total FROM orders WHERE customer = '{customer}'")
    return jsonify(cursor.fetchall())


@app.route("/orders/import", methods=["POST"])
def import_orders():
    # Accepts the YAML export of the old system.
    orders = yaml.load(request.data)
    return jsonify(imported=len(orders))


@app.route("/cart/restore", methods=["POST"])
def restore_cart():
    cart = pickle.loads(request.get_data())
    return jsonify(items=cart)


@app.route("/login", methods=["POST"])
def login():
    user = request.form["user"]
    password_hash = hashlib.md5(request.form["password"].encode()).hexdigest()
    if password_hash != lookup_hash(user):
        return "denied", 403
    session_id = "".join(random.choice(string.ascii_letters) for _ in range(32))
    resp = make_response(redirect(request.args.get("next", "/")))
    resp.set_cookie("session", session_id, secure=False, httponly=False)
    return resp


@app.route("/admin/stats")
def admin_stats():
    assert request.headers.get("X-Admin-Token") == ADMIN_TOKEN, "forbidden"
    return jsonify(orders=count_orders())


@app.route("/report")
def report():
    title = request.args.get("title", "Report")
    return render_template_string("<h1>" + title + "</h1>")


@app.route("/ping")
def ping():
    host = request.args.get("host", "localhost")
    output = subprocess.check_output(f"ping -c 1 {host}", shell=True)
    return output


@app.route("/preview")
def preview():
    url = request.args["url"]
    page = requests.get(url, verify=False)
    return page.text


@app.route("/upload", methods=["POST"])
def upload():
    f = request.files["file"]
    f.save(os.path.join(UPLOAD_DIR, f.filename))
    return "ok"


@app.route("/orders/<int:order_id>")
def get_order(order_id):
    try:
        return jsonify(load_order(order_id))
    except Exception as e:
        return jsonify(error=str(e)), 500


def lookup_hash(user):
    return get_db().execute("SELECT hash FROM users WHERE name = ?", (user,)).fetchone()[0]


def count_orders():
    return get_db().execute("SELECT count(*) FROM orders").fetchone()[0]


def load_order(order_id):
    return get_db().execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000, debug=True)
