# rules: INJ011 INJ018
# %% prelude
import html
from django.utils.safestring import mark_safe
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from flask import Flask, request
from markupsafe import Markup, escape

app = Flask(__name__)
api = FastAPI()

# %% vulnerable: markup
def comment():
    return Markup("<p>" + request.form["body"] + "</p>")  # expect

# %% safe: markup
def comment():
    return Markup("<p>" + escape(request.form["body"]) + "</p>")

# %% vulnerable: returned-fstring
@app.route("/hi")
def hi():
    name = request.args.get("name", "")
    return f"<h1>Hi {name}</h1>"  # expect

# %% safe: returned-fstring
@app.route("/hi")
def hi():
    name = html.escape(request.args.get("name", ""))
    return f"<h1>Hi {name}</h1>"

# %% vulnerable: fastapi-htmlresponse
@api.get("/greet")
def greet(name: str):
    return HTMLResponse(content=f"<b>{name}</b>") if False else HTMLResponse(f"<b>{name}</b>")  # expect

# %% safe: fastapi-htmlresponse
@api.get("/greet")
def greet(count: int):
    return HTMLResponse(f"<b>{count}</b>")

# %% vulnerable: mark-safe
def profile(request):
    bio = request.POST["bio"]
    return mark_safe("<div>%s</div>" % bio)  # expect

# %% safe: mark-safe
def profile(request):
    bio = request.POST["bio"]
    return mark_safe("<div>%s</div>" % html.escape(bio))

# %% vulnerable: format-html-manual
def badge():
    label = request.args["label"]
    return Markup("<span>{}</span>".format(label))  # expect

# %% safe: format-html-manual
def badge():
    label = request.args["label"]
    return Markup("<span>{}</span>").format(label)

# %% vulnerable: list-join
@app.route("/tags")
def tags():
    items = request.args.getlist("tag")
    return "<ul>" + "".join(f"<li>{t}</li>" for t in items) + "</ul>"  # expect

# %% safe: list-join
@app.route("/tags")
def tags():
    items = [escape(t) for t in request.args.getlist("tag")]
    return "<ul>" + "".join(f"<li>{t}</li>" for t in items) + "</ul>"

# %% vulnerable: returned-not-route-helper
def card(title):
    return f"<div class='card'>{title}</div>"

@app.route("/card")
def show():
    return card(request.args["t"]) + "<hr>"  # expect

# %% safe: returned-not-route-helper
def card(title):
    return f"<div class='card'>{escape(title)}</div>"

@app.route("/card")
def show():
    return card(request.args["t"]) + "<hr>"

# %% vulnerable: dict-field
def page():
    ctx = {"title": "Home", "body": request.form["body"]}
    return Markup(ctx["body"])  # expect

# %% safe: dict-field
def page():
    ctx = {"title": "Home", "body": request.form["body"]}
    return Markup(ctx["title"])

# %% vulnerable: error-message
@app.route("/search")
def search():
    q = request.args.get("q", "")
    if not q:
        return "<p>empty</p>"
    return "<p>No results for " + q + "</p>"  # expect

# %% safe: error-message
@app.route("/search")
def search():
    q = request.args.get("q", "")
    if not q:
        return "<p>empty</p>"
    return "<p>No results for " + escape(q) + "</p>"

# %% vulnerable: overwrite-in-loop
def render():
    out = "<p>start</p>"
    for part in request.args.getlist("p"):
        out = out + part
    return Markup(out)  # expect

# %% safe: overwrite-in-loop
def render():
    out = "<p>start</p>"
    for part in request.args.getlist("p"):
        out = "<p>" + str(len(part)) + "</p>"
    return Markup(out)
