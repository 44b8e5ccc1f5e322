# rules: INJ004
# %% prelude
import ast
import sys
from flask import Flask, request

app = Flask(__name__)

# %% vulnerable: eval-arg
def calc():
    return str(eval(request.args["expr"]))  # expect

# %% safe: eval-arg
def calc():
    return str(ast.literal_eval(request.args["expr"]))

# %% vulnerable: exec-body
def run():
    exec(request.get_data(as_text=True))  # expect

# %% safe: exec-body
def run():
    exec("import this")

# %% vulnerable: compile
def run():
    code = compile(request.form["src"], "<user>", "exec")  # expect
    return code

# %% safe: compile
def run():
    code = compile("x = 1", "<const>", "exec")
    return code

# %% vulnerable: argv
def main():
    print(eval(sys.argv[1]))  # expect

# %% safe: argv
def main():
    print(eval(str(float(sys.argv[1]))))

# %% vulnerable: fstring
def getter():
    field = request.args["field"]
    return eval(f"settings.{field}")  # expect

# %% safe: fstring
FIELDS = ("debug", "timezone")

def getter():
    field = request.args["field"]
    if field not in FIELDS:
        return None
    return eval(f"settings.{field}")

# %% vulnerable: helper
def evaluate(expr):
    return eval(expr)  # expect

def view():
    return str(evaluate(request.args["e"]))

# %% safe: helper
def evaluate(expr):
    return eval(expr)

def view():
    return str(evaluate("1 + 1"))

# %% vulnerable: while-loop
def view():
    expr = "0"
    i = 0
    while i < 3:
        expr = expr + "+" + request.args.get(f"n{i}", "0")
        i += 1
    return eval(expr)  # expect

# %% safe: while-loop
def view():
    expr = "0"
    i = 0
    while i < 3:
        expr = expr + "+" + str(int(request.args.get(f"n{i}", "0")))
        i += 1
    return eval(expr)

# %% vulnerable: set-contents
def view():
    names = {request.args["a"], "x"}
    for name in names:
        eval(name)  # expect

# %% safe: set-contents
def view():
    names = {"a", "x"}
    for name in names:
        eval(name)

# %% vulnerable: input
def repl():
    while True:
        line = input(">>> ")
        exec(line)  # expect

# %% safe: input
def repl():
    while True:
        line = input(">>> ")
        print(len(line))

# %% vulnerable: nested-function
def outer():
    expr = request.args["e"]

    def inner():
        return eval(expr)  # expect

    return inner()

# %% safe: nested-function
def outer():
    expr = request.args["e"]

    def inner():
        return eval("2 * 21")

    return inner()
