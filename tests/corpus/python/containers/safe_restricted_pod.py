# expect: none
"""Builds pods that satisfy the restricted Pod Security profile."""
from kubernetes import client


def worker_pod(image: str) -> client.V1Pod:
    security = client.V1SecurityContext(
        privileged=False,
        allow_privilege_escalation=False,
        run_as_non_root=True,
        run_as_user=10001,
        capabilities=client.V1Capabilities(drop=["ALL"]),
    )
    container = client.V1Container(name="worker", image=image, security_context=security)
    volume = client.V1Volume(name="scratch", empty_dir=client.V1EmptyDirVolumeSource())
    return client.V1Pod(spec=client.V1PodSpec(containers=[container], volumes=[volume], host_network=False))
