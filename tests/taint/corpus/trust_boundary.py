# rules: TNT003
# %% prelude
from flask import Flask, g, request, session

app = Flask(__name__)
ROLES = ("viewer", "editor")

# %% vulnerable: session-role
def set_role():
    session["role"] = request.args["role"]  # expect

# %% safe: session-role
def set_role():
    role = request.args["role"]
    if role in ROLES:
        session["role"] = role

# %% vulnerable: g-user
def before():
    g.user_id = request.headers.get("X-User-Id")  # expect

# %% safe: g-user
def before():
    g.user_id = int(request.headers.get("X-User-Id", "0"))

# %% vulnerable: django-session
def remember(request):
    request.session["cart_owner"] = request.POST["owner"]  # expect

# %% safe: django-session
def remember(request):
    request.session["cart_owner"] = request.user.username

# %% vulnerable: via-variable
def login():
    name = request.form["name"].strip().lower()
    session["user"] = name  # expect

# %% safe: via-variable
def login():
    name = request.form["name"].strip().lower()
    session["user"] = "guest"

# %% vulnerable: dict-copy
def prefs():
    data = request.get_json()
    session["prefs"] = {"theme": data["theme"]}  # expect

# %% safe: dict-copy
def prefs():
    data = request.get_json()
    session["prefs"] = {"theme": "dark" if data["theme"] == "dark" else "light"}

# %% vulnerable: helper-validate-broken
def validate(value):
    return value.strip()

def save():
    session["tenant"] = validate(request.args["tenant"])  # expect

# %% safe: helper-validate-broken
def validate(value):
    if value not in ("acme", "globex"):
        return "acme"
    return value

def save():
    session["tenant"] = validate(request.args["tenant"])

# %% vulnerable: loop-last
def save():
    for key in request.args:
        session["last_key"] = key  # expect

# %% safe: loop-last
def save():
    for key in request.args:
        session["count"] = len(key)

# %% vulnerable: route-param
@app.route("/switch/<account>")
def switch(account):
    session["account"] = account  # expect

# %% safe: route-param
@app.route("/switch/<int:account>")
def switch(account):
    session["account"] = account

# %% vulnerable: ternary
def save():
    value = request.args.get("mode")
    session["mode"] = value if value else "basic"  # expect

# %% safe: ternary
def save():
    value = request.args.get("mode")
    session["mode"] = "pro" if value == "pro" else "basic"

# %% vulnerable: walrus
def save():
    if (lang := request.args.get("lang")):
        session["lang"] = lang  # expect

# %% safe: walrus
def save():
    if (lang := request.args.get("lang")) in ("en", "de"):
        session["lang"] = "en"
