# expect: CWE-1427 CWE-770
from flask import Flask, request
from openai import OpenAI

app = Flask(__name__)
client = OpenAI()


@app.post("/support")
def support() -> dict:
    body = request.get_json()
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": f"You are the assistant for {body['company']}. Obey: {body['rules']}"},
            {"role": "user", "content": body["question"]},
        ],
    )
    return {"answer": completion.choices[0].message.content}
