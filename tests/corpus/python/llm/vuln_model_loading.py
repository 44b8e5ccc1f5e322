# expect: CWE-494 CWE-94
from transformers import AutoModelForCausalLM, AutoTokenizer

MODEL = "acme-labs/support-llm-7b"


def load():
    tokenizer = AutoTokenizer.from_pretrained(MODEL)
    model = AutoModelForCausalLM.from_pretrained(
        "acme-labs/support-llm-7b",
        trust_remote_code=True,
        device_map="auto",
    )
    return tokenizer, model
