# expect: CWE-494
"""Installs analysis plugins on demand."""
import subprocess
import sys


class PluginManager:
    def install(self, name: str) -> None:
        subprocess.check_call(
            [sys.executable, "-m", "pip", "install", "--extra-index-url", "http://pypi.internal/simple", name],
        )
