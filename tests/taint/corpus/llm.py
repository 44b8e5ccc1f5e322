# rules: LLM001 LLM002 LLM003 LLM004 LLM011
# %% prelude
import json
import os
import subprocess

import markupsafe
import requests
from anthropic import Anthropic
from openai import OpenAI

client = OpenAI()
claude = Anthropic()

# %% vulnerable: exec-code
def run(task):
    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": task}])
    exec(reply.choices[0].message.content)  # expect

# %% safe: exec-code
def run(task):
    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": task}])
    print(reply.choices[0].message.content)
    exec("print('done')")

# %% vulnerable: shell
def agent(goal):
    answer = claude.messages.create(model="claude-sonnet-4-5", max_tokens=256, messages=[])
    command = answer.content[0].text.strip()
    subprocess.run(command, shell=True)  # expect

# %% safe: shell
COMMANDS = {"status": ["git", "status"], "log": ["git", "log", "-1"]}

def agent(goal):
    answer = claude.messages.create(model="claude-sonnet-4-5", max_tokens=256, messages=[])
    choice = answer.content[0].text.strip()
    if choice in COMMANDS:
        subprocess.run(" ".join(COMMANDS["status"]), shell=True)

# %% vulnerable: sql
def ask(cursor, question):
    sql = client.chat.completions.create(model="gpt-4o", messages=[]).choices[0].message.content
    cursor.execute(sql)  # expect

# %% safe: sql
def ask(cursor, question):
    status = json.loads(client.chat.completions.create(model="gpt-4o", messages=[]).choices[0].message.content)["status"]
    cursor.execute("SELECT * FROM orders WHERE status = %s", (status,))

# %% vulnerable: html
def summary(text):
    answer = claude.messages.create(model="claude-sonnet-4-5", max_tokens=256, messages=[])
    return markupsafe.Markup("<div>" + answer.content[0].text + "</div>")  # expect

# %% safe: html
def summary(text):
    answer = claude.messages.create(model="claude-sonnet-4-5", max_tokens=256, messages=[])
    return markupsafe.Markup("<div>") + markupsafe.escape(answer.content[0].text) + markupsafe.Markup("</div>")

# %% vulnerable: url
def browse(goal):
    url = client.chat.completions.create(model="gpt-4o", messages=[]).choices[0].message.content
    return requests.get(url, timeout=5).text  # expect

# %% safe: url
from urllib.parse import urlparse

def browse(goal):
    url = client.chat.completions.create(model="gpt-4o", messages=[]).choices[0].message.content
    if urlparse(url).hostname not in {"docs.python.org"}:
        return ""
    return requests.get(url, timeout=5).text

# %% vulnerable: file
def save_note():
    name = client.chat.completions.create(model="gpt-4o", messages=[]).choices[0].message.content
    with open(name, "w") as fh:  # expect
        fh.write("x")

# %% safe: file
def save_note():
    name = client.chat.completions.create(model="gpt-4o", messages=[]).choices[0].message.content
    with open(os.path.join("/notes", os.path.basename(name)), "w") as fh:
        fh.write("x")

# %% vulnerable: langchain-invoke
def plan(llm, question):
    code = llm.invoke(question).content
    return eval(code)  # expect

# %% safe: langchain-invoke
import ast

def plan(llm, question):
    code = llm.invoke(question).content
    return ast.literal_eval(code)

# %% vulnerable: mcp-tool
from mcp.server.fastmcp import FastMCP

mcp = FastMCP("files")

@mcp.tool()
def read(path: str) -> str:
    with open(path) as fh:  # expect
        return fh.read()

# %% safe: mcp-tool
from mcp.server.fastmcp import FastMCP

mcp = FastMCP("files")

@mcp.tool()
def read(name: str) -> str:
    with open(os.path.join("/sandbox", os.path.basename(name))) as fh:
        return fh.read()

# %% vulnerable: tool-call-arguments
def dispatch(tool_call):
    args = json.loads(tool_call.function.arguments)
    return subprocess.check_output(args["cmd"], shell=True)  # expect

# %% safe: tool-call-arguments
def dispatch(tool_call):
    args = json.loads(tool_call.function.arguments)
    return subprocess.check_output(["ls", "--", args["dir"]])

# %% vulnerable: helper-run
def run_code(source):
    exec(source)  # expect

def agent():
    reply = client.responses.create(model="gpt-4o", input="write code")
    run_code(reply.output_text)

# %% safe: helper-run
def run_code(source):
    exec(source)

def agent():
    reply = client.responses.create(model="gpt-4o", input="write code")
    print(reply.output_text)
    run_code("print(1)")

# %% vulnerable: gemini-markup-stream
def render(model):
    response = model.generate_content("Write a greeting")
    return markupsafe.Markup(response.text)  # expect

# %% safe: gemini-markup-stream
def render(model):
    response = model.generate_content("Write a greeting")
    return markupsafe.Markup(markupsafe.escape(response.text))
