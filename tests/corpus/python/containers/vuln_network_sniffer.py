# expect: CWE-250
"""Runs a packet-capture helper next to the service."""
import docker


async def start_capture(client: docker.DockerClient, image: str):
    return client.containers.run(image, network_mode="host", cap_add=["NET_ADMIN", "SYS_ADMIN"], detach=True)
