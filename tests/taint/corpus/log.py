# rules: TNT005
# %% prelude
import logging
from flask import Flask, request

app = Flask(__name__)
log = logging.getLogger(__name__)
logger = logging.getLogger("audit")

# %% vulnerable: concat
def login():
    log.warning("failed login for " + request.form["user"])  # expect

# %% safe: concat
def login():
    log.warning("failed login for " + repr(request.form["user"]))

# %% vulnerable: args
def login():
    logger.info("user %s logged in", request.form["user"])  # expect

# %% safe: args
def login():
    logger.info("user %s logged in", request.form["user"].replace("\n", "\\n"))

# %% vulnerable: fstring
def search():
    q = request.args.get("q", "")
    logging.info(f"search: {q}")  # expect

# %% safe: fstring
def search():
    q = request.args.get("q", "")
    logging.info(f"search length: {len(q)}")

# %% vulnerable: app-logger
def hook():
    app.logger.error("bad payload: %s", request.get_data(as_text=True))  # expect

# %% safe: app-logger
def hook():
    app.logger.error("bad payload of %d bytes", len(request.get_data()))

# %% vulnerable: header
def track():
    agent = request.headers.get("User-Agent")
    logger.debug("agent=" + agent)  # expect

# %% safe: header
def track():
    agent = request.headers.get("User-Agent")
    logger.debug("agent=" + (agent or "").replace("\r", " ").replace("\n", " "))

# %% vulnerable: exception
def parse():
    raw = request.args["n"]
    try:
        return int(raw)
    except ValueError:
        log.exception("not a number: %s", raw)  # expect

# %% safe: exception
def parse():
    raw = request.args["n"]
    try:
        return int(raw)
    except ValueError:
        log.exception("not a number (%d chars)", len(raw))

# %% vulnerable: helper-format
def describe(user):
    return "user=" + user

def login():
    log.info(describe(request.form["user"]))  # expect

# %% safe: helper-format
def describe(user):
    return "user=" + repr(user)

def login():
    log.info(describe(request.form["user"]))

# %% vulnerable: self-logger
class Service:
    def __init__(self):
        self.log = logging.getLogger("svc")

    def handle(self):
        self.log.warning("cmd " + request.args["cmd"])  # expect

# %% safe: self-logger
class Service:
    def __init__(self):
        self.log = logging.getLogger("svc")

    def handle(self):
        self.log.warning("cmd " + repr(request.args["cmd"]))

# %% vulnerable: dict-extra
def audit():
    data = {"user": request.form["user"], "action": "login"}
    logger.info("event %s", data["user"])  # expect

# %% safe: dict-extra
def audit():
    data = {"user": request.form["user"], "action": "login"}
    logger.info("event %s", data["action"])

# %% vulnerable: argv
import sys

def main():
    log.info("processing " + sys.argv[1])  # expect

# %% safe: argv
import sys

def main():
    log.info("processing %d files", len(sys.argv) - 1)
