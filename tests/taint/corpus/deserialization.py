# rules: TNT007
# %% prelude
import base64
import json
import pickle
import socket

import yaml
from flask import Flask, request

app = Flask(__name__)

# %% vulnerable: pickle-body
def restore():
    return pickle.loads(request.data)  # expect

# %% safe: pickle-body
def restore():
    return json.loads(request.data)

# %% vulnerable: cookie-b64
def restore():
    blob = base64.b64decode(request.cookies["state"])
    return pickle.loads(blob)  # expect

# %% safe: cookie-b64
def restore():
    blob = base64.b64decode(request.cookies["state"])
    return json.loads(blob)

# %% vulnerable: yaml-load
def config():
    return yaml.load(request.get_data())  # expect

# %% safe: yaml-load
def config():
    return yaml.safe_load(request.get_data())

# %% vulnerable: yaml-full-loader
def config():
    return yaml.load(request.files["cfg"].read(), Loader=yaml.FullLoader)  # expect

# %% safe: yaml-full-loader
def config():
    return yaml.load(request.files["cfg"].read(), Loader=yaml.SafeLoader)

# %% vulnerable: socket
def serve(sock: socket.socket):
    conn, _ = sock.accept()
    data = conn.recv(4096)
    return pickle.loads(data)  # expect

# %% safe: socket
def serve(sock: socket.socket):
    conn, _ = sock.accept()
    data = conn.recv(4096)
    return json.loads(data)

# %% vulnerable: http-response
import requests

def sync():
    resp = requests.get("https://example.com/state.pkl", timeout=5)
    return pickle.loads(resp.content)  # expect

# %% safe: http-response
import requests

def sync():
    resp = requests.get("https://example.com/state.json", timeout=5)
    return resp.json()

# %% vulnerable: local-file-vs-upload
def load():
    upload = request.files["model"]
    return pickle.load(upload)  # expect

# %% safe: local-file-vs-upload
def load():
    with open("/srv/model.pkl", "rb") as fh:
        return pickle.load(fh)

# %% vulnerable: helper-decode
def decode(raw):
    return pickle.loads(base64.b64decode(raw))  # expect

def view():
    return decode(request.args["s"])

# %% safe: helper-decode
def decode(raw):
    return pickle.loads(base64.b64decode(raw))

def view():
    return decode(open("/srv/cache.b64").read())

# %% vulnerable: form-dict-item
def view():
    fields = {"payload": request.form["p"], "kind": "x"}
    return pickle.loads(bytes.fromhex(fields["payload"]))  # expect

# %% safe: form-dict-item
def view():
    fields = {"payload": request.form["p"], "kind": b"\x80\x04N."}
    return pickle.loads(fields["kind"])

# %% vulnerable: dead-else
DEBUG = False

def view():
    if DEBUG:
        return None
    else:
        return pickle.loads(request.data)  # expect

# %% safe: dead-else
DEBUG = False

def view():
    if DEBUG:
        return pickle.loads(request.data)
    return None
