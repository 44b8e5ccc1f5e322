# rules: INJ012
# %% prelude
from urllib.parse import urlparse
from urllib.request import urlopen

import httpx
import requests
from flask import Flask, abort, request

app = Flask(__name__)
ALLOWED_HOSTS = {"api.example.com", "cdn.example.com"}

# %% vulnerable: requests-get
def proxy():
    return requests.get(request.args["url"], timeout=5).text  # expect

# %% safe: requests-get
def proxy():
    return requests.get("https://api.example.com/status", params={"q": request.args["url"]}, timeout=5).text

# %% vulnerable: host-check-missing-abort
def proxy():
    url = request.args["url"]
    if urlparse(url).hostname not in ALLOWED_HOSTS:
        print("suspicious host")
    return requests.get(url, timeout=5).text  # expect

# %% safe: host-check-missing-abort
def proxy():
    url = request.args["url"]
    if urlparse(url).hostname not in ALLOWED_HOSTS:
        abort(400)
    return requests.get(url, timeout=5).text

# %% vulnerable: parsed-variable
def proxy():
    url = request.json["url"]
    parsed = urlparse(url)
    print(parsed.netloc)
    return httpx.get(url).text  # expect

# %% safe: parsed-variable
def proxy():
    url = request.json["url"]
    parsed = urlparse(url)
    if parsed.netloc in ALLOWED_HOSTS:
        return httpx.get(url).text
    return ""

# %% vulnerable: urlopen
def fetch():
    with urlopen(request.form["feed"]) as resp:  # expect
        return resp.read()

# %% safe: urlopen
def fetch():
    with urlopen("https://cdn.example.com/feed.xml") as resp:
        return resp.read()

# %% vulnerable: fstring-host
def avatar():
    host = request.args["host"]
    return requests.get(f"https://{host}/avatar.png", timeout=5).content  # expect

# %% safe: fstring-host
def avatar():
    user = int(request.args["user"])
    return requests.get(f"https://cdn.example.com/avatars/{user}.png", timeout=5).content

# %% vulnerable: kwarg-url
def hook():
    return requests.post(url=request.get_json()["callback"], json={"ok": True}, timeout=5)  # expect

# %% safe: kwarg-url
def hook():
    return requests.post(url="https://hooks.example.com/ok", json=request.get_json(), timeout=5)

# %% vulnerable: mapping-lookup-default
ENDPOINTS = {"a": "https://api.example.com/a", "b": "https://api.example.com/b"}

def proxy():
    name = request.args["name"]
    url = ENDPOINTS.get(name, name)
    return requests.get(url, timeout=5).text  # expect

# %% safe: mapping-lookup-default
ENDPOINTS = {"a": "https://api.example.com/a", "b": "https://api.example.com/b"}

def proxy():
    name = request.args["name"]
    if name not in ENDPOINTS:
        abort(404)
    return requests.get(ENDPOINTS["a"] if name == "a" else ENDPOINTS["b"], timeout=5).text

# %% vulnerable: helper-fetch
def fetch(url):
    return requests.get(url, timeout=5)  # expect

def view():
    return fetch(request.args["u"]).text

# %% safe: helper-fetch
def fetch(url):
    return requests.get(url, timeout=5)

def view():
    return fetch("https://api.example.com/ping").text

# %% vulnerable: lambda-event
def handler(event, context):
    return requests.get(event["queryStringParameters"]["url"], timeout=5).status_code  # expect

# %% safe: lambda-event
def handler(event, context):
    return requests.get("https://api.example.com/health", timeout=5).status_code

# %% vulnerable: class-client
class Client:
    def __init__(self, base):
        self.base = base

    def get(self, path):
        return requests.get(self.base + path, timeout=5)  # expect

def view():
    return Client(request.args["base"]).get("/status").text

# %% safe: class-client
class Client:
    def __init__(self, base):
        self.base = "https://api.example.com"

    def get(self, path):
        return requests.get(self.base + path, timeout=5)

def view():
    return Client(request.args["base"]).get("/status").text

# %% vulnerable: header-source
def proxy():
    target = request.headers.get("X-Forward-To")
    return requests.get(target, timeout=5).text  # expect

# %% safe: header-source
def proxy():
    target = request.headers.get("X-Forward-To")
    if target in ("https://api.example.com", "https://cdn.example.com"):
        return requests.get(target, timeout=5).text
    return ""
