"""Injected into the server process by tests/robustness/test_self_security.py (PYTHONPATH).

Installs an audit hook (PEP 578) that records, one JSON object per line in
``$VIGIL_AUDIT_LOG``: any non-local socket, connect/bind/DNS lookup, process start, file opened
for writing outside ``$VIGIL_AUDIT_WRITABLE``, and any ``compile``/``exec`` of text containing
``$VIGIL_AUDIT_CANARY`` (a marker planted in the analysed code). Writes use ``os.write`` on a
descriptor opened before the hook, so the hook never triggers itself.
"""

import json
import os
import sys

_LOG = os.environ.get("VIGIL_AUDIT_LOG")
if _LOG:
    _FD = os.open(_LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    _CANARY = os.environ.get("VIGIL_AUDIT_CANARY", "\0never\0")
    _CANARY_B = _CANARY.encode()
    _WRITABLE = tuple(p for p in os.environ.get("VIGIL_AUDIT_WRITABLE", "").split(os.pathsep) if p)
    _WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    _AF_UNIX = 1
    _NETWORK = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
                "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo", "urllib.Request",
                "http.client.connect", "ftplib.connect", "smtplib.connect", "webbrowser.open"}
    _PROCESS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                "os.startfile", "pty.spawn"}

    def _record(event: str, detail: str) -> None:
        os.write(_FD, (json.dumps({"event": event, "detail": detail[:500]}) + "\n").encode())

    def _has_canary(value: object) -> bool:
        if isinstance(value, str):
            return _CANARY in value
        if isinstance(value, (bytes, bytearray, memoryview)):
            return _CANARY_B in bytes(value)
        return False

    def _hook(event: str, args: tuple) -> None:
        if event == "socket.__new__":
            if len(args) > 1 and args[1] != _AF_UNIX:
                _record(event, repr(args[1:]))
        elif event in _NETWORK or event in _PROCESS:
            _record(event, repr(args))
        elif event == "open":
            path, mode, flags = (list(args) + [None, None, None])[:3]
            if isinstance(path, int) or path is None:
                return
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS)
            if writing:
                name = os.fsdecode(path)
                full = os.path.abspath(name)
                if not any(full == w or full.startswith(w.rstrip(os.sep) + os.sep) for w in _WRITABLE):
                    _record(event, f"{full} mode={mode!r} flags={flags!r}")
        elif event == "compile":
            if args and _has_canary(args[0]):
                _record(event, repr(args[1:]))
        elif event == "exec":
            code = args[0] if args else None
            consts = getattr(code, "co_consts", ())
            if any(_has_canary(c) for c in consts):
                _record(event, repr(getattr(code, "co_filename", "?")))

    sys.addaudithook(_hook)
