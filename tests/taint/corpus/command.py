# rules: INJ001 INJ002 INJ003 INJ017
# %% prelude
import os
import shlex
import subprocess
import sys
from flask import Flask, request

app = Flask(__name__)

# %% vulnerable: shell-true
def ping():
    host = request.args["host"]
    subprocess.run(f"ping -c 1 {host}", shell=True)  # expect

# %% safe: shell-true
def ping():
    host = request.args["host"]
    subprocess.run(["ping", "-c", "1", host])

# %% vulnerable: os-system-concat
def ping():
    os.system("ping -c 1 " + request.form["host"])  # expect

# %% safe: os-system-concat
def ping():
    os.system("ping -c 1 " + shlex.quote(request.form["host"]))

# %% vulnerable: argv
def main():
    target = sys.argv[1]
    os.system("tar czf backup.tgz " + target)  # expect

# %% safe: argv
def main():
    target = sys.argv[1]
    subprocess.run(["tar", "czf", "backup.tgz", target], check=True)

# %% vulnerable: input-builtin
def main():
    name = input("branch? ")
    subprocess.call("git checkout " + name, shell=True)  # expect

# %% safe: input-builtin
def main():
    name = input("branch? ")
    subprocess.call("git checkout " + shlex.quote(name), shell=True)

# %% vulnerable: dead-branch
def run():
    cmd = request.args["cmd"]
    if "a" == "a":
        os.system(cmd)  # expect

# %% safe: dead-branch
def run():
    cmd = request.args["cmd"]
    if "a" == "b":
        os.system(cmd)

# %% vulnerable: match-constant
MODE = "debug"

def run():
    cmd = request.args["cmd"]
    match MODE:
        case "debug":
            os.system(cmd)  # expect
        case _:
            pass

# %% safe: match-constant
MODE = "prod"

def run():
    cmd = request.args["cmd"]
    match MODE:
        case "debug":
            os.system(cmd)
        case _:
            pass

# %% vulnerable: helper-sink
def execute(command):
    return subprocess.check_output(command, shell=True)  # expect

def view():
    return execute("ls " + request.args["dir"])

# %% safe: helper-sink
def execute(command):
    return subprocess.check_output(command, shell=True)

def view():
    return execute("ls " + shlex.quote(request.args["dir"]))

# %% vulnerable: loop-accumulate
def run():
    cmd = "echo"
    for word in request.args.getlist("w"):
        cmd += " " + word
    os.system(cmd)  # expect

# %% safe: loop-accumulate
def run():
    cmd = "echo"
    for word in request.args.getlist("w"):
        cmd += " " + shlex.quote(word)
    os.system(cmd)

# %% vulnerable: allow-list-else
ACTIONS = {"start", "stop"}

def run():
    action = request.args["action"]
    if action not in ACTIONS:
        print("unknown action")
    os.system("service app " + action)  # expect

# %% safe: allow-list-else
ACTIONS = {"start", "stop"}

def run():
    action = request.args["action"]
    if action not in ACTIONS:
        return "unknown action"
    os.system("service app " + action)

# %% vulnerable: lambda-wrapper
def run():
    wrap = lambda s: "echo " + s
    os.system(wrap(request.args["msg"]))  # expect

# %% safe: lambda-wrapper
def run():
    wrap = lambda s: "echo " + shlex.quote(s)
    os.system(wrap(request.args["msg"]))

# %% vulnerable: paramiko
def tail(client):
    service = request.args["service"]
    client.exec_command("journalctl -u " + service)  # expect

# %% safe: paramiko
def tail(client):
    service = request.args["service"]
    if service.isalnum():
        client.exec_command("journalctl -u " + service)

# %% vulnerable: list-index
def run():
    parts = ["echo", request.args["msg"]]
    os.system(parts[1])  # expect

# %% safe: list-index
def run():
    parts = ["echo", request.args["msg"]]
    os.system(parts[0])
