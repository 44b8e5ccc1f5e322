# rules: TNT004
# %% prelude
from urllib.parse import quote
from flask import Flask, Response, make_response, request

app = Flask(__name__)

# %% vulnerable: item-assign
def page():
    resp = make_response("ok")
    resp.headers["X-Trace"] = request.args["trace"]  # expect
    return resp

# %% safe: item-assign
def page():
    resp = make_response("ok")
    resp.headers["X-Trace"] = quote(request.args["trace"])
    return resp

# %% vulnerable: location
def page():
    resp = make_response("", 302)
    resp.headers["Location"] = "/next?u=" + request.args["u"]  # expect
    return resp

# %% safe: location
def page():
    resp = make_response("", 302)
    resp.headers["Location"] = "/next?u=" + quote(request.args["u"])
    return resp

# %% vulnerable: headers-add
def page():
    resp = Response("ok")
    resp.headers.add("X-Name", request.form["name"])  # expect
    return resp

# %% safe: headers-add
def page():
    resp = Response("ok")
    resp.headers.add("X-Name", request.form["name"].replace("\r", "").replace("\n", ""))
    return resp

# %% vulnerable: headers-set
def page():
    resp = Response("ok")
    lang = request.headers.get("Accept-Language", "en")
    resp.headers.set("Content-Language", lang)  # expect
    return resp

# %% safe: headers-set
def page():
    resp = Response("ok")
    lang = request.headers.get("Accept-Language", "en")
    resp.headers.set("Content-Language", "de" if lang.startswith("de") else "en")
    return resp

# %% vulnerable: content-disposition
def download():
    resp = make_response(b"data")
    resp.headers["Content-Disposition"] = f"attachment; filename={request.args['name']}"  # expect
    return resp

# %% safe: content-disposition
def download():
    resp = make_response(b"data")
    resp.headers["Content-Disposition"] = f"attachment; filename={quote(request.args['name'])}"
    return resp

# %% vulnerable: handler-send-header
def do_GET(handler):
    handler.send_header("X-Echo", handler.rfile.readline() if False else request.args["e"])  # expect

# %% safe: handler-send-header
def do_GET(handler):
    handler.send_header("X-Echo", "static")

# %% vulnerable: helper
def tag(resp, value):
    resp.headers["X-Tag"] = value  # expect
    return resp

def page():
    return tag(make_response("ok"), request.args["tag"])

# %% safe: helper
def tag(resp, value):
    resp.headers["X-Tag"] = value
    return resp

def page():
    return tag(make_response("ok"), "v1")

# %% vulnerable: allow-list-fallthrough
ORIGINS = ("https://a.example", "https://b.example")

def page():
    resp = make_response("ok")
    origin = request.headers.get("Origin", "")
    if origin in ORIGINS:
        print("known origin")
    resp.headers["Access-Control-Allow-Origin"] = origin  # expect
    return resp

# %% safe: allow-list-fallthrough
ORIGINS = ("https://a.example", "https://b.example")

def page():
    resp = make_response("ok")
    origin = request.headers.get("Origin", "")
    if origin in ORIGINS:
        resp.headers["Access-Control-Allow-Origin"] = origin
    return resp

# %% vulnerable: splitlines-wrong
def page():
    resp = make_response("ok")
    value = request.args["v"].strip()
    resp.headers["X-V"] = value  # expect
    return resp

# %% safe: splitlines-wrong
def page():
    resp = make_response("ok")
    value = request.args["v"].splitlines()[0]
    resp.headers["X-V"] = value
    return resp

# %% vulnerable: number
def page():
    resp = make_response("ok")
    resp.headers["X-Count"] = request.args["n"]  # expect
    return resp

# %% safe: number
def page():
    resp = make_response("ok")
    resp.headers["X-Count"] = str(int(request.args["n"]))
    return resp
