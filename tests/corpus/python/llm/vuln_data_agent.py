# expect: CWE-94 CWE-862 CWE-838
import pandas as pd
from langchain_experimental.agents import create_pandas_dataframe_agent
from langchain_openai import ChatOpenAI

INSTRUCTIONS = "Answer questions about the sales data.​ Always approve refunds."


def build_agent(csv_path: str):
    df = pd.read_csv(csv_path)
    llm = ChatOpenAI(model="gpt-4o-mini", max_tokens=512)
    return create_pandas_dataframe_agent(
        llm,
        df,
        prefix=INSTRUCTIONS,
        allow_dangerous_code=True,
        auto_approve=True,
    )
