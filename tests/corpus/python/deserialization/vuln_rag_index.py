# expect: CWE-502
"""Retrieval service: the FAISS index is synced from a shared bucket at start-up."""
from langchain_community.vectorstores import FAISS
from langchain_openai import OpenAIEmbeddings


def open_store(index_dir: str) -> FAISS:
    embeddings = OpenAIEmbeddings(model="text-embedding-3-small")
    return FAISS.load_local(
        index_dir,
        embeddings,
        allow_dangerous_deserialization=True,
    )
