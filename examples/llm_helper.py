"""Support-bot helpers around OpenAI and LangChain, as an assistant writes them.

Deliberately insecure: Vigil's demo input. Every credential below is fake.
"""

import logging
import os
import subprocess

import torch
from langchain.agents import AgentType, initialize_agent, load_tools
from langchain_community.vectorstores import FAISS
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from openai import OpenAI
from transformers import AutoModelForCausalLM, AutoTokenizer

log = logging.getLogger(__name__)

client = OpenAI(api_key="sk-proj-Rk4mZp8Qw2Xn6Lt0Vb3Yc7Hd1Jf5Gs9Ke2Ua6Wo4Ti8Ny0Bm3")


def answer(question: str, customer_notes: str) -> str:
    system = f"You are a support bot. Internal notes about this customer: {customer_notes}"
    response = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": system}, {"role": "user", "content": question}],
    )
    reply = response.choices[0].message.content
    log.info("prompt=%s reply=%s", system, reply)
    return reply


def run_suggested_fix(problem: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": f"Write one shell command that fixes: {problem}"}],
        max_tokens=200,
    )
    command = response.choices[0].message.content
    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout


def calculate(expression: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": f"Turn into a Python expression: {expression}"}],
        max_tokens=100,
    )
    return str(eval(response.choices[0].message.content))


def load_knowledge_base(folder: str) -> FAISS:
    embeddings = OpenAIEmbeddings()
    return FAISS.load_local(folder, embeddings, allow_dangerous_deserialization=True)


def research_agent():
    llm = ChatOpenAI(model="gpt-4o", temperature=0)
    tools = load_tools(["terminal", "requests_all"], llm=llm, allow_dangerous_tools=True)
    return initialize_agent(tools, llm, agent=AgentType.ZERO_SHOT_REACT_DESCRIPTION)


def local_model(name: str):
    tokenizer = AutoTokenizer.from_pretrained(name, trust_remote_code=True)
    model = AutoModelForCausalLM.from_pretrained(name, trust_remote_code=True)
    return tokenizer, model


def load_adapter(path: str):
    return torch.load(path)


def classifier():
    return torch.hub.load("someuser/sentiment", "model", trust_repo=True)


if __name__ == "__main__":
    print(answer(os.environ.get("QUESTION", "How do I reset my password?"), "VIP, card ending 4242"))
