# rules: TNT002
# %% prelude
import ldap
from ldap.filter import escape_filter_chars
from flask import Flask, request

app = Flask(__name__)
BASE = "dc=example,dc=com"

# %% vulnerable: ldap3-search
def lookup(conn):
    user = request.form["user"]
    conn.search(BASE, f"(uid={user})")  # expect

# %% safe: ldap3-search
def lookup(conn):
    user = escape_filter_chars(request.form["user"])
    conn.search(BASE, f"(uid={user})")

# %% vulnerable: python-ldap-search-s
def lookup(conn):
    mail = request.args["mail"]
    return conn.search_s(BASE, ldap.SCOPE_SUBTREE, "(mail=" + mail + ")")  # expect

# %% safe: python-ldap-search-s
def lookup(conn):
    mail = request.args["mail"]
    return conn.search_s(BASE, ldap.SCOPE_SUBTREE, "(mail=" + escape_filter_chars(mail) + ")")

# %% vulnerable: keyword-filter
def lookup(conn):
    return conn.search(search_base=BASE, search_filter="(cn=%s)" % request.args["cn"])  # expect

# %% safe: keyword-filter
def lookup(conn):
    return conn.search(search_base=BASE, search_filter="(cn=%s)" % escape_filter_chars(request.args["cn"]))

# %% vulnerable: two-values
def lookup(conn):
    first, last = request.args["first"], request.args["last"]
    return conn.search(BASE, f"(&(givenName={first})(sn={last}))")  # expect

# %% safe: two-values
def lookup(conn):
    first, last = (escape_filter_chars(request.args[k]) for k in ("first", "last"))
    return conn.search(BASE, "(&(givenName=" + first + ")(sn=" + last + "))")

# %% vulnerable: helper-filter
def user_filter(name):
    return "(&(objectClass=person)(uid=" + name + "))"

def lookup(conn):
    return conn.search_s(BASE, ldap.SCOPE_SUBTREE, user_filter(request.form["name"]))  # expect

# %% safe: helper-filter
def user_filter(name):
    return "(&(objectClass=person)(uid=" + escape_filter_chars(name) + "))"

def lookup(conn):
    return conn.search_s(BASE, ldap.SCOPE_SUBTREE, user_filter(request.form["name"]))

# %% vulnerable: class-service
class Directory:
    def __init__(self, conn):
        self.conn = conn

    def find(self, uid):
        return self.conn.search(BASE, "(uid=" + uid + ")")  # expect

def view(conn):
    return Directory(conn).find(request.args["uid"])

# %% safe: class-service
class Directory:
    def __init__(self, conn):
        self.conn = conn

    def find(self, uid):
        return self.conn.search(BASE, "(uid=" + escape_filter_chars(uid) + ")")

def view(conn):
    return Directory(conn).find(request.args["uid"])

# %% vulnerable: group-attr
def members(conn):
    group = request.args.get("group", "staff")
    conn.search(BASE, "(memberOf=cn={},ou=groups)".format(group))  # expect

# %% safe: group-attr
def members(conn):
    group = request.args.get("group", "staff")
    if group in ("staff", "admins"):
        conn.search(BASE, "(memberOf=cn={},ou=groups)".format(group))

# %% vulnerable: digits-check-wrong-branch
def lookup(conn):
    emp = request.args["emp"]
    if not emp.isdigit():
        conn.search(BASE, "(employeeNumber=" + emp + ")")  # expect

# %% safe: digits-check-wrong-branch
def lookup(conn):
    emp = request.args["emp"]
    if emp.isdigit():
        conn.search(BASE, "(employeeNumber=" + emp + ")")

# %% vulnerable: json-body
def lookup(conn):
    body = request.get_json()
    conn.search(BASE, "(uid=%s)" % body["uid"])  # expect

# %% safe: json-body
def lookup(conn):
    body = request.get_json()
    conn.search(BASE, "(uid=%s)" % escape_filter_chars(body["uid"]))

# %% vulnerable: list-comprehension
def lookup(conn):
    names = request.args.getlist("n")
    clauses = "".join([f"(uid={n})" for n in names])
    conn.search(BASE, "(|" + clauses + ")")  # expect

# %% safe: list-comprehension
def lookup(conn):
    names = request.args.getlist("n")
    clauses = "".join([f"(uid={escape_filter_chars(n)})" for n in names])
    conn.search(BASE, "(|" + clauses + ")")
