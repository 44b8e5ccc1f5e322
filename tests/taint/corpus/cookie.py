# rules: TNT006
# %% prelude
import secrets
from flask import Flask, make_response, request

app = Flask(__name__)
THEMES = ("light", "dark")

# %% vulnerable: value
def prefs():
    resp = make_response("ok")
    resp.set_cookie("theme", request.args["theme"])  # expect
    return resp

# %% safe: value
def prefs():
    resp = make_response("ok")
    theme = request.args["theme"]
    resp.set_cookie("theme", theme if theme in THEMES else "light")
    return resp

# %% vulnerable: secure-flag
def login():
    resp = make_response("ok")
    resp.set_cookie("sid", secrets.token_hex(16), secure=request.args.get("secure") == "1" or request.args["s"])  # expect
    return resp

# %% safe: secure-flag
def login():
    resp = make_response("ok")
    resp.set_cookie("sid", secrets.token_hex(16), secure=True, httponly=True)
    return resp

# %% vulnerable: domain
def login():
    resp = make_response("ok")
    resp.set_cookie("sid", "x", domain=request.host)  # expect
    return resp

# %% safe: domain
def login():
    resp = make_response("ok")
    resp.set_cookie("sid", "x", domain="example.com")
    return resp

# %% vulnerable: name
def save():
    resp = make_response("ok")
    resp.set_cookie(request.form["name"], "1")  # expect
    return resp

# %% safe: name
def save():
    resp = make_response("ok")
    resp.set_cookie("visited", "1")
    return resp

# %% vulnerable: samesite
def save():
    resp = make_response("ok")
    mode = request.args.get("ss", "Lax")
    resp.set_cookie("sid", "v", samesite=mode)  # expect
    return resp

# %% safe: samesite
def save():
    resp = make_response("ok")
    mode = request.args.get("ss", "Lax")
    if mode not in ("Lax", "Strict"):
        mode = "Lax"
    resp.set_cookie("sid", "v", samesite=mode)
    return resp

# %% vulnerable: django
def view(request):
    from django.http import HttpResponse
    response = HttpResponse("ok")
    response.set_cookie("lang", request.GET["lang"])  # expect
    return response

# %% safe: django
def view(request):
    from django.http import HttpResponse
    response = HttpResponse("ok")
    response.set_cookie("lang", request.LANGUAGE_CODE)
    return response

# %% vulnerable: helper
def remember(resp, value):
    resp.set_cookie("remember", value, httponly=True)  # expect

def view():
    resp = make_response("ok")
    remember(resp, request.args["r"])
    return resp

# %% safe: helper
def remember(resp, value):
    resp.set_cookie("remember", value, httponly=True)

def view():
    resp = make_response("ok")
    remember(resp, secrets.token_urlsafe(16))
    return resp

# %% vulnerable: max-age-str
def view():
    resp = make_response("ok")
    resp.set_cookie("a", "b", max_age=request.args["age"])  # expect
    return resp

# %% safe: max-age-str
def view():
    resp = make_response("ok")
    resp.set_cookie("a", "b", max_age=int(request.args["age"]))
    return resp

# %% vulnerable: path
def view():
    resp = make_response("ok")
    resp.set_cookie("a", "b", path=request.path)  # expect
    return resp

# %% safe: path
def view():
    resp = make_response("ok")
    resp.set_cookie("a", "b", path="/app")
    return resp

# %% vulnerable: cookie-copy
def view():
    resp = make_response("ok")
    resp.set_cookie("copy", request.cookies.get("orig", ""))  # expect
    return resp

# %% safe: cookie-copy
def view():
    resp = make_response("ok")
    original = request.cookies.get("orig", "")
    resp.set_cookie("copy", "1" if original else "0")
    return resp
