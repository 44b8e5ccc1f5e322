# rules: INJ014
# %% prelude
import os
from pathlib import Path
from flask import Flask, request, send_file
from werkzeug.utils import secure_filename, safe_join

app = Flask(__name__)
BASE = "/srv/files"
ROOT = Path("/srv/files").resolve()

# %% vulnerable: join
def download():
    return send_file(os.path.join(BASE, request.args["name"]))  # expect

# %% safe: join
def download():
    return send_file(os.path.join(BASE, secure_filename(request.args["name"])))

# %% vulnerable: open-read
def read():
    name = request.args["name"]
    with open(BASE + "/" + name) as fh:  # expect
        return fh.read()

# %% safe: open-read
def read():
    name = os.path.basename(request.args["name"])
    with open(BASE + "/" + name) as fh:
        return fh.read()

# %% vulnerable: safe-join-missing
def read():
    path = "/".join([BASE, request.args["name"]])
    return open(path).read()  # expect

# %% safe: safe-join-missing
def read():
    path = safe_join(BASE, request.args["name"])
    return open(path).read()

# %% vulnerable: resolve-no-check
def read():
    target = (ROOT / request.args["name"]).resolve()
    return open(target).read()  # expect

# %% safe: resolve-no-check
def read():
    target = (ROOT / request.args["name"]).resolve()
    if not target.is_relative_to(ROOT):
        return "forbidden", 403
    return open(target).read()

# %% vulnerable: realpath-startswith-wrong
def read():
    target = os.path.join(BASE, request.args["name"])
    if target.startswith(BASE):
        return open(target).read()  # expect

# %% safe: realpath-startswith-wrong
def read():
    target = os.path.realpath(os.path.join(BASE, request.args["name"]))
    if target.startswith(BASE):
        return open(target).read()

# %% vulnerable: route-arg
@app.route("/files/<path:name>")
def files(name):
    return send_file(f"{BASE}/{name}")  # expect

# %% safe: route-arg
@app.route("/files/<int:file_id>")
def files(file_id):
    return send_file(f"{BASE}/{file_id}.bin")

# %% vulnerable: remove
def delete():
    os.remove(os.path.join(BASE, request.form["file"]))  # expect

# %% safe: remove
def delete():
    os.remove(os.path.join(BASE, secure_filename(request.form["file"])))

# %% vulnerable: upload-filename
def upload():
    f = request.files["doc"]
    f.save(os.path.join(BASE, f.filename))
    return open(os.path.join(BASE, f.filename)).read()  # expect

# %% safe: upload-filename
def upload():
    f = request.files["doc"]
    name = secure_filename(f.filename)
    return open(os.path.join(BASE, name)).read()

# %% vulnerable: pathlib-read
def read():
    return Path(BASE + "/" + request.args["p"]).read_text()  # expect

# %% safe: pathlib-read
def read():
    return Path(BASE + "/" + os.path.basename(request.args["p"])).read_text()

# %% vulnerable: helper-returns
def user_path(name):
    return os.path.join(BASE, "users", name)

def read():
    return open(user_path(request.args["u"])).read()  # expect

# %% safe: helper-returns
def user_path(name):
    return os.path.join(BASE, "users", secure_filename(name))

def read():
    return open(user_path(request.args["u"])).read()

# %% vulnerable: dict-config
def read():
    cfg = {"dir": BASE, "file": request.args["f"]}
    return open(cfg["dir"] + "/" + cfg["file"]).read()  # expect

# %% safe: dict-config
def read():
    cfg = {"dir": BASE, "file": request.args["f"]}
    return open(cfg["dir"] + "/index.html").read()
