# expect: CWE-295 CWE-319 CWE-327
"""Ops helpers: SSH to bastions, pull reports over FTP."""
import ftplib
import ssl

import paramiko


def run_remote(host: str, command: str) -> str:
    ssh = paramiko.SSHClient()
    ssh.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    ssh.connect(host, username="deploy")
    _, stdout, _ = ssh.exec_command(command)
    return stdout.read().decode()


def fetch_report(host: str, user: str, password: str) -> None:
    with ftplib.FTP(host, user, password) as ftp:
        ftp.retrbinary("RETR report.csv", open("report.csv", "wb").write)


def old_server_context() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLSv1)
