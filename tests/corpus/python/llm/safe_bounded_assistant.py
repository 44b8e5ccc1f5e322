# expect: none
import anthropic
from openai import OpenAI
from transformers import AutoTokenizer

SYSTEM_PROMPT = "You are a concise assistant for internal documentation questions."
REVISION = "5b1e6f2a9c3d4e7f8a0b1c2d3e4f5a6b7c8d9e0f"

openai_client = OpenAI(timeout=30)
claude = anthropic.Anthropic(timeout=30)
tokenizer = AutoTokenizer.from_pretrained("acme-labs/doc-embedder", revision=REVISION)


def ask_openai(question: str) -> str:
    completion = openai_client.chat.completions.create(
        model="gpt-4o-mini",
        max_completion_tokens=600,
        messages=[
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": question},
        ],
    )
    return completion.choices[0].message.content or ""


def ask_claude(question: str) -> str:
    message = claude.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=600,
        system=SYSTEM_PROMPT,
        messages=[{"role": "user", "content": question}],
    )
    return message.content[0].text
