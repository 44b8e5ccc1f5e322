# expect: CWE-200
import anthropic

client = anthropic.Anthropic()


def diagnose(customer, db_password: str) -> str:
    message = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=800,
        messages=[{"role": "user", "content": f"Why does login fail for {customer.email}? The DB password is {db_password}"}],
    )
    return message.content[0].text
