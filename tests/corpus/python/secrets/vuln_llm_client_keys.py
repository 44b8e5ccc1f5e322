# expect: CWE-798
from __future__ import annotations

import anthropic
from openai import AsyncOpenAI


class Providers:
    """Holds one client per model vendor."""

    def __init__(self) -> None:
        self.openai = AsyncOpenAI(
            api_key="sk-proj-Lm4Nq8Rs2Tv6Wx0Yz3Ab7Cd1Ef5Gh9Ij2Kl6Mn0Op4Qr8St2Uv",
            timeout=30,
        )
        self.claude = anthropic.Anthropic(
            api_key="sk-ant-api03-Hg5Fd2Sa9Qw6Er3Ty0Ui7Op4As1Df8Gh5Jk2Lz9Xc6Vb3Nm0Qa7Ws4Ed1Rf8",
        )
