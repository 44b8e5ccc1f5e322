# expect: none
"""Runs untrusted jobs in locked-down containers."""
import docker


def run_job(image: str, command: list[str]):
    client = docker.from_env()
    return client.containers.run(
        image,
        command,
        user="10001",
        network_mode="none",
        cap_drop=["ALL"],
        read_only=True,
        volumes={"/srv/jobs/input": {"bind": "/input", "mode": "ro"}},
        detach=True,
    )
