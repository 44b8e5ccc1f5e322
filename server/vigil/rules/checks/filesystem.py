"""Checks and fixes for the filesystem rules (FS...)."""

from __future__ import annotations

import tree_sitter as ts

from vigil.engine.findings import Edit
from vigil.engine.runner import CheckResult, Match
from vigil.rules.checks import common
from vigil.rules.model import Severity

# --- FS001: tarfile extraction --------------------------------------------------------------

_TAR_OPENERS = ("tarfile.open", "tarfile.TarFile", "tarfile.TarFile.open", "tarfile.TarFile.gzopen",
                "tarfile.TarFile.bz2open", "tarfile.TarFile.xzopen")


def _is_tar_opener(match: Match, node: ts.Node | None) -> bool:
    if node is None or node.type != "call":
        return False
    return (match.qualify(node.child_by_field_name("function")) or "") in _TAR_OPENERS


def _bound_to_tar(match: Match, receiver: ts.Node) -> bool:
    """Whether ``receiver`` (a name) is bound in its scope by ``with tarfile.open(...) as name``
    or ``name = tarfile.open(...)``. Other archives (zipfile sanitises member names) stay quiet."""
    name = common.text(receiver)
    scope = common.enclosing_function(receiver) or match.tree.root_node
    stack = [scope]
    while stack:
        node = stack.pop()
        if node.type == "as_pattern":
            alias = node.child_by_field_name("alias")
            if alias is not None and common.text(alias).strip() == name and _is_tar_opener(match, node.named_children[0]):
                return True
        elif node.type == "assignment":
            left = node.child_by_field_name("left")
            if left is not None and common.text(left) == name and _is_tar_opener(
                    match, node.child_by_field_name("right")):
                return True
        stack.extend(node.named_children)
    return False


def tar_extract_check(match: Match) -> bool:
    receiver = match.node("_archive")
    if receiver is None:
        return match.node("_fn") is not None  # shutil.unpack_archive
    if _is_tar_opener(match, receiver):
        return True
    if receiver.type in ("identifier", "attribute"):
        return _bound_to_tar(match, receiver)
    return False


# --- FS002: mktemp ----------------------------------------------------------------------------

_MKTEMP_PARAMS = ("suffix", "prefix", "dir")


def mktemp_fix(match: Match) -> list[Edit] | None:
    """``tempfile.mktemp(...)`` -> ``tempfile.NamedTemporaryFile(delete=False, ...).name``: still a
    path string, but the file is created atomically with owner-only permissions."""
    call = match.node("finding")
    fn = match.node("_fn")
    if call is None or fn is None:
        return None
    args = call.child_by_field_name("arguments")
    if args is None:
        return None
    parts = ["delete=False"]
    positional = common.positional_args(args)
    for index, node in enumerate(positional):
        if index >= len(_MKTEMP_PARAMS):
            return None
        parts.append(f"{_MKTEMP_PARAMS[index]}={match.text(node)}")
    for child in args.named_children:
        if child.type == "keyword_argument":
            parts.append(match.text(child))
        elif child.type in ("list_splat", "dictionary_splat"):
            return None
    if fn.type == "attribute":
        base = match.text(fn.child_by_field_name("object"))
        spelled, edits = f"{base}.NamedTemporaryFile", []
    else:
        spelled, edits = match.reference("tempfile.NamedTemporaryFile")
    return [Edit(call.start_byte, call.end_byte, f"{spelled}({', '.join(parts)}).name"), *edits]


# --- FS003: permissive modes ---------------------------------------------------------------------

_STAT = {
    "S_IRWXU": 0o700, "S_IRUSR": 0o400, "S_IWUSR": 0o200, "S_IXUSR": 0o100,
    "S_IRWXG": 0o070, "S_IRGRP": 0o040, "S_IWGRP": 0o020, "S_IXGRP": 0o010,
    "S_IRWXO": 0o007, "S_IROTH": 0o004, "S_IWOTH": 0o002, "S_IXOTH": 0o001,
    "S_ISUID": 0o4000, "S_ISGID": 0o2000, "S_ISVTX": 0o1000,
}

#: function -> (position of the mode argument, keyword name)
_MODE_ARGUMENT = {
    "os.chmod": (1, "mode"), "os.fchmod": (1, "mode"), "os.lchmod": (1, "mode"), "os.umask": (0, "mask"),
}


def mode_value(match: Match, node: ts.Node | None) -> int | None:
    """Value of a permission expression: integer literals, ``stat.S_*`` constants and ``|``/``+``."""
    if node is None:
        return None
    if node.type == "integer":
        return common.integer_value(node)
    if node.type == "parenthesized_expression" and node.named_child_count == 1:
        return mode_value(match, node.named_children[0])
    if node.type in ("attribute", "identifier"):
        qualified = match.qualify(node) or ""
        module, _, name = qualified.rpartition(".")
        return _STAT.get(name) if module == "stat" else None
    if node.type == "binary_operator":
        operator = node.child_by_field_name("operator")
        left = mode_value(match, node.child_by_field_name("left"))
        right = mode_value(match, node.child_by_field_name("right"))
        if left is None or right is None or operator is None:
            return None
        if operator.type in ("|", "+"):
            return left | right
        if operator.type == "&":
            return left & right
    return None


def _mode_node(match: Match) -> tuple[ts.Node | None, str]:
    fn = match.node("_fn")
    args = match.node("_args")
    qualified = match.qualify(fn) or ""
    if qualified in _MODE_ARGUMENT:
        position, name = _MODE_ARGUMENT[qualified]
        return common.argument(args, position, name), qualified
    # ``Path(...).chmod(mode)``: pathlib methods take the mode first. Creation modes (os.open,
    # mkdir, touch) are filtered by the umask and 0o666/0o777 are their defaults: not reported.
    method = common.text(fn.child_by_field_name("attribute")) if fn is not None and fn.type == "attribute" else ""
    if method in ("chmod", "lchmod"):
        return common.argument(args, 0, "mode"), "pathlib.chmod"
    return None, qualified


def _reads_umask(match: Match) -> bool:
    """``old = os.umask(0); os.umask(old)`` is the standard way to *read* the umask (pip,
    ``dbm.dumb``): the permissive mask is undone by the very next statement."""
    call = match.node("finding")
    assignment = call.parent if call is not None else None
    if assignment is None or assignment.type != "assignment":
        return False
    target = assignment.child_by_field_name("left")
    statement = assignment.parent
    following = statement.next_named_sibling if statement is not None else None
    if target is None or target.type != "identifier" or following is None:
        return False
    restore = following.named_children[0] if following.type == "expression_statement" and \
        following.named_child_count == 1 else None
    if restore is None or restore.type != "call":
        return False
    arguments = common.positional_args(restore.child_by_field_name("arguments"))
    return (match.qualify(restore.child_by_field_name("function")) == "os.umask" and len(arguments) == 1
            and common.text(arguments[0]) == common.text(target))


def permissive_mode_check(match: Match) -> CheckResult | bool:
    node, function = _mode_node(match)
    value = mode_value(match, node)
    if node is None or value is None:
        return False
    if function == "os.umask":
        if value & 0o002 or _reads_umask(match):
            return False
        return CheckResult(node=node, message=f"`os.umask({match.text(node)})` lets every file this process "
                           "creates be world-writable; use a mask of at least 0o022.")
    if not value & 0o002:
        return False
    return CheckResult(node=node, message=f"Mode `{match.text(node)}` ({value:#o}) makes the file world-writable; "
                       "any local user or container process sharing the volume can replace it.")


def permissive_mode_fix(match: Match) -> list[Edit] | None:
    node, function = _mode_node(match)
    value = mode_value(match, node)
    if node is None or value is None:
        return None
    fixed = value | 0o022 if function == "os.umask" else value & ~0o022
    return [Edit(node.start_byte, node.end_byte, f"{fixed:#o}")]


def tar_extract_fix(match: Match) -> list[Edit] | None:
    """``filter="fully_trusted"`` -> ``"data"``; otherwise append ``filter="data"``."""
    weak = match.node("_filter")
    if weak is not None:
        content = common.string_prefix_content(weak)
        return [Edit(content.start_byte, content.end_byte, "data")] if content is not None else None
    args = match.node("_args")
    if args is None:
        return None
    named = [c for c in args.named_children if c.type != "comment"]
    if not named:
        return [Edit(args.start_byte + 1, args.start_byte + 1, 'filter="data"')]
    return [Edit(named[-1].end_byte, named[-1].end_byte, ', filter="data"')]


def tmp_path_check(match: Match) -> CheckResult | bool:
    """``mktemp`` is always reported; a hard-coded /tmp path at low severity (Lambda and
    read-only-root containers legitimately write below /tmp, so it is advice, not an alarm)."""
    if match.node("_fn") is not None:
        return True
    return CheckResult(severity=Severity.LOW, message=f"Hard-coded shared temporary path {match.text('finding')}: "
                       "other processes can pre-create or read it; use the tempfile module.")
