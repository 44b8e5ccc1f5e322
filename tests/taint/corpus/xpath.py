# rules: TNT001
# %% prelude
from flask import Flask, request
from lxml import etree

app = Flask(__name__)
DOC = etree.parse("users.xml")

def xpath_escape(value):
    if "'" not in value:
        return "'" + value + "'"
    return "concat('" + value.replace("'", "', \"'\", '") + "')"

# %% vulnerable: fstring
def find():
    name = request.args["name"]
    return DOC.xpath(f"//user[name='{name}']")  # expect

# %% safe: fstring
def find():
    name = request.args["name"]
    return DOC.xpath("//user[name=$name]", name=name)

# %% vulnerable: concat
def find():
    return DOC.xpath("//user[@id='" + request.args["id"] + "']")  # expect

# %% safe: concat
def find():
    return DOC.xpath("//user[@id='" + str(int(request.args["id"])) + "']")

# %% vulnerable: compiled
def find():
    expr = etree.XPath("//user[role='%s']" % request.args["role"])  # expect
    return expr(DOC)

# %% safe: compiled
def find():
    expr = etree.XPath("//user[role=$role]")
    return expr(DOC, role=request.args["role"])

# %% vulnerable: escape-helper-missing
def find():
    return DOC.xpath("//user[name=" + request.args["name"] + "]")  # expect

# %% safe: escape-helper-missing
def find():
    return DOC.xpath("//user[name=" + xpath_escape(request.args["name"]) + "]")

# %% vulnerable: element-method
def find():
    root = DOC.getroot()
    return root.xpath("./item[@sku='{}']".format(request.values["sku"]))  # expect

# %% safe: element-method
def find():
    root = DOC.getroot()
    return root.xpath("./item[@sku='{}']".format("A-1"))

# %% vulnerable: allow-list
FIELDS = ("name", "email")

def find():
    field = request.args["field"]
    return DOC.xpath(f"//user/{field}/text()")  # expect

# %% safe: allow-list
FIELDS = ("name", "email")

def find():
    field = request.args["field"]
    if field not in FIELDS:
        return []
    return DOC.xpath(f"//user/{field}/text()")

# %% vulnerable: route-param
@app.route("/user/<name>")
def user(name):
    return str(DOC.xpath(f"//user[name='{name}']"))  # expect

# %% safe: route-param
@app.route("/user/<int:uid>")
def user(uid):
    return str(DOC.xpath(f"//user[@id={uid}]"))

# %% vulnerable: helper-builds
def build(tag, value):
    return f"//{tag}[text()='{value}']"

def find():
    return DOC.xpath(build("user", request.args["v"]))  # expect

# %% safe: helper-builds
def build(tag, value):
    return f"//{tag}[text()=$v]"

def find():
    return DOC.xpath(build("user", request.args["v"]), v=request.args["v"])

# %% vulnerable: dead-code-reversed
def find():
    name = request.args["name"]
    if len("abc") == 3:
        return DOC.xpath("//u[n='" + name + "']")  # expect
    return []

# %% safe: dead-code-reversed
def find():
    name = request.args["name"]
    if len("abc") == 4:
        return DOC.xpath("//u[n='" + name + "']")
    return []

# %% vulnerable: overwrite-branch
def find(strict):
    name = request.args["name"]
    if strict:
        name = "guest"
    return DOC.xpath("//u[n='" + name + "']")  # expect

# %% safe: overwrite-branch
def find(strict):
    name = request.args["name"]
    if strict:
        name = "guest"
    else:
        name = "anonymous"
    return DOC.xpath("//u[n='" + name + "']")
