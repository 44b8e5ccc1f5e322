# expect: CWE-250 CWE-668
"""Starts build containers for CI jobs."""
import docker


class BuildRunner:
    def __init__(self) -> None:
        self.client = docker.from_env()

    def start(self, image: str, script: str):
        return self.client.containers.run(
            image,
            ["sh", "-c", script],
            privileged=True,
            volumes={"/var/run/docker.sock": {"bind": "/var/run/docker.sock", "mode": "rw"}},
            detach=True,
        )
