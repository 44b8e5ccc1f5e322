# rules: INJ013
# %% prelude
from urllib.parse import urlparse
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from flask import Flask, redirect, request, url_for

app = Flask(__name__)
SAFE_HOSTS = {"example.com", "www.example.com"}

# %% vulnerable: next-param
def login():
    return redirect(request.args.get("next", "/"))  # expect

# %% safe: next-param
def login():
    return redirect(url_for("home", next=request.args.get("next", "/")))

# %% vulnerable: django-no-check
def login(request):
    target = request.GET.get("next", "/")
    return HttpResponseRedirect(target)  # expect

# %% safe: django-no-check
def login(request):
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)

# %% vulnerable: check-inverted
def login(request):
    target = request.POST.get("next", "/")
    if url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = "/"
    return HttpResponseRedirect(target)  # expect

# %% safe: check-inverted
def login(request):
    target = request.POST.get("next", "/")
    if url_has_allowed_host_and_scheme(url=target, allowed_hosts=None):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect("/")

# %% vulnerable: netloc-check-wrong-var
def go():
    url = request.args["u"]
    other = urlparse("https://example.com")
    if other.netloc in SAFE_HOSTS:
        return redirect(url)  # expect
    return redirect("/")

# %% safe: netloc-check-wrong-var
def go():
    url = request.args["u"]
    if urlparse(url).netloc in SAFE_HOSTS:
        return redirect(url)
    return redirect("/")

# %% vulnerable: concat-prefix
def go():
    return redirect("https://" + request.args["host"] + "/welcome")  # expect

# %% safe: concat-prefix
def go():
    return redirect("https://example.com/welcome?ref=" + str(int(request.args["ref"])))

# %% vulnerable: cookie-source
def back():
    return redirect(request.cookies.get("last_page", "/"))  # expect

# %% safe: cookie-source
def back():
    page = request.cookies.get("last_page", "/")
    return redirect(page if page in ("/", "/cart", "/account") else "/")

# %% vulnerable: helper-target
def target_of(req):
    return req.args.get("next") or "/"

def go():
    return redirect(target_of(request))  # expect

# %% safe: helper-target
def target_of(req):
    return "/"

def go():
    return redirect(target_of(request))

# %% vulnerable: route-param
@app.route("/out/<path:dest>")
def out(dest):
    return redirect(dest)  # expect

# %% safe: route-param
@app.route("/out/<int:item>")
def out(item):
    return redirect(f"/items/{item}")

# %% vulnerable: form-dict
def go():
    data = dict(request.form)
    return redirect(data["next"])  # expect

# %% safe: form-dict
def go():
    data = {"next": "/home", "user": request.form["user"]}
    return redirect(data["next"])

# %% vulnerable: try-except
def go():
    try:
        dest = request.args["next"]
    except KeyError:
        dest = "/"
    return redirect(dest)  # expect

# %% safe: try-except
def go():
    try:
        dest = url_for(request.args["endpoint"])
    except Exception:
        dest = "/"
    return redirect(dest)
