# expect: CWE-250
"""Creates a node-debugging pod."""
from kubernetes import client, config


def debug_pod(node: str) -> client.V1Pod:
    config.load_incluster_config()
    container = client.V1Container(
        name="debug",
        image="busybox:1.36",
        security_context=client.V1SecurityContext(privileged=True, allow_privilege_escalation=True),
    )
    spec = client.V1PodSpec(containers=[container], host_pid=True, host_network=True, node_name=node)
    return client.V1Pod(metadata=client.V1ObjectMeta(name=f"debug-{node}"), spec=spec)
