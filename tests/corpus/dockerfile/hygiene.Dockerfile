# expect: CWE-1104 CWE-732 CWE-250 CWE-284 CWE-494
FROM ubuntu:24.04
RUN apt-get update && apt-get install -y openssh-server sudo
ADD https://example.com/agent.tar.gz /opt/
RUN chmod 777 /opt && sudo mkdir -p /run/sshd
EXPOSE 22
USER root
