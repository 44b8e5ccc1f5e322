# rules: INJ009
# %% prelude
import jinja2
from django.template import Template as DjangoTemplate
from flask import Flask, render_template_string, request

app = Flask(__name__)
env = jinja2.Environment(autoescape=True)

# %% vulnerable: render-string
@app.route("/hello")
def hello():
    return render_template_string("<h1>Hello " + request.args["name"] + "</h1>")  # expect

# %% safe: render-string
@app.route("/hello")
def hello():
    return render_template_string("<h1>Hello {{ n }}</h1>", n=request.args["name"])

# %% vulnerable: jinja-template
def preview():
    body = request.form["template"]
    return jinja2.Template(body).render()  # expect

# %% safe: jinja-template
def preview():
    body = request.form["template"]
    return jinja2.Template("{{ body }}").render(body=body)

# %% vulnerable: from-string
def preview():
    return env.from_string(request.get_json()["tpl"]).render()  # expect

# %% safe: from-string
def preview():
    return env.from_string("{{ tpl }}").render(tpl=request.get_json()["tpl"])

# %% vulnerable: django-template
def page(request):
    return DjangoTemplate("<p>" + request.GET["msg"] + "</p>")  # expect

# %% safe: django-template
def page(request):
    return DjangoTemplate("<p>{{ msg }}</p>")

# %% vulnerable: percent
def mail():
    name = request.form["name"]
    return render_template_string("Dear %s, thanks!" % name)  # expect

# %% safe: percent
def mail():
    name = request.form["name"]
    return render_template_string("Dear {{ name }}, thanks!", name=name)

# %% vulnerable: selected-template-fallthrough
TEMPLATES = {"short": "{{ a }}", "long": "{{ a }} {{ b }}"}

def render():
    kind = request.args["kind"]
    source = TEMPLATES.get(kind, kind)
    return render_template_string(source, a=1, b=2)  # expect

# %% safe: selected-template-fallthrough
TEMPLATES = {"short": "{{ a }}", "long": "{{ a }} {{ b }}"}

def render():
    kind = request.args["kind"]
    source = TEMPLATES["long"] if kind == "long" else TEMPLATES["short"]
    return render_template_string(source, a=1, b=2)

# %% vulnerable: helper-wrap
def layout(inner):
    return "<html><body>" + inner + "</body></html>"

def page():
    return render_template_string(layout(request.args["content"]))  # expect

# %% safe: helper-wrap
def layout(inner):
    return "<html><body>{{ inner }}</body></html>"

def page():
    return render_template_string(layout("x"), inner=request.args["content"])

# %% vulnerable: with-statement
def page():
    with open("base.html") as fh:
        base = fh.read()
    return render_template_string(base + request.args["footer"])  # expect

# %% safe: with-statement
def page():
    with open("base.html") as fh:
        base = fh.read()
    return render_template_string(base, footer=request.args["footer"])

# %% vulnerable: augmented
def page():
    tpl = "<h1>{{ title }}</h1>"
    tpl += request.args.get("extra", "")
    return render_template_string(tpl, title="x")  # expect

# %% safe: augmented
def page():
    tpl = "<h1>{{ title }}</h1>"
    tpl += "<p>{{ extra }}</p>"
    return render_template_string(tpl, title="x", extra=request.args.get("extra", ""))

# %% vulnerable: route-view-arg
@app.route("/p/<name>")
def named(name):
    return render_template_string("Page: " + name)  # expect

# %% safe: route-view-arg
@app.route("/p/<int:num>")
def named(num):
    return render_template_string("Page: " + str(num))
