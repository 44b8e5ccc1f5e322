"""Checks and fixes for the Dockerfile rules (DKR...).

Shell-level checks parse the ``RUN`` text with tree-sitter-bash (see ``iac_shell``) and report
the exact command, mapped back to Dockerfile byte offsets.
"""

from __future__ import annotations

import re

import tree_sitter as ts

from vigil.engine.findings import Edit
from vigil.engine.fixes import newline_of
from vigil.engine.runner import CheckResult, Match
from vigil.rules.checks.iac_common import (
    image_problem,
    is_literal_secret_value,
    is_secret_name,
)
from vigil.rules.checks.iac_shell import (
    Command,
    Embedded,
    arg_words,
    commands,
    dockerfile_script,
    download_and_execute,
)

#: The user the fixes switch to: a numeric UID works in every base image (no passwd entry
#: needed) and lets Kubernetes' ``runAsNonRoot`` verify it, which a user *name* does not.
NONROOT_USER = "10001"


def _instructions(match: Match) -> list[ts.Node]:
    return [c for c in match.tree.root_node.named_children if c.type.endswith("_instruction")]


def _final_stage(match: Match) -> list[ts.Node]:
    """Instructions of the last build stage (the one that becomes the image)."""
    instructions = _instructions(match)
    starts = [i for i, node in enumerate(instructions) if node.type == "from_instruction"]
    return instructions[starts[-1]:] if starts else instructions


def final_stage_without_user(match: Match) -> bool:
    """The last ``FROM`` starts a stage with no ``USER``: the container runs as root."""
    node = match.node("finding")
    stage = _final_stage(match)
    if not stage or node is None or stage[0].id != node.id:
        return False
    return not any(n.type == "user_instruction" for n in stage)


def add_user_fix(match: Match) -> list[Edit] | None:
    """Insert ``USER 10001`` before the stage's ``CMD``/``ENTRYPOINT`` (or at the end)."""
    newline = newline_of(match.source)
    stage = _final_stage(match)
    for node in stage:
        if node.type in ("cmd_instruction", "entrypoint_instruction"):
            return [Edit(node.start_byte, node.start_byte, f"USER {NONROOT_USER}{newline}")]
    end = len(match.source)
    prefix = "" if match.source.endswith((b"\n", b"\r")) else newline
    return [Edit(end, end, f"{prefix}USER {NONROOT_USER}{newline}")]


_ROOT = re.compile(r"^(root|0)(:.*)?$")


def last_user_is_root(match: Match) -> bool:
    """``USER root`` that is still in force when the image runs (a temporary ``USER root``
    followed by a switch back is fine)."""
    node = match.node("finding")
    users = [n for n in _final_stage(match) if n.type == "user_instruction"]
    return node is not None and bool(users) and users[-1].id == node.id


def unpinned_base_image(match: Match) -> CheckResult | bool:
    image = match.node("finding")
    if image is None:
        return False
    aliases = {
        match.text(alias).lower()
        for node in _instructions(match)
        if node.type == "from_instruction" and node.start_byte < image.start_byte
        for alias in node.children_by_field_name("as")
    }
    reference = match.text(image)
    if reference.lower() in aliases:
        return False  # ``FROM build``: a previous stage, not a registry image
    problem = image_problem(reference)
    if problem is None:
        return False
    return CheckResult(message=f"Base image `{reference}` {problem}: builds are not reproducible "
                               "and can silently pull a different (or compromised) image.")


def _script(match: Match) -> Embedded | None:
    run = match.node("finding")
    return dockerfile_script(run, match.source) if run is not None else None


def download_piped_to_shell(match: Match) -> CheckResult | bool:
    script = _script(match)
    if script is None:
        return False
    found = download_and_execute(script)
    if not found:
        return False
    return CheckResult(span=script.span(found[0]))


def secret_in_env(match: Match) -> bool:
    name = match.text("_name")
    if not is_secret_name(name):
        return False
    value = match.node("_value")
    if value is None:
        # ``ARG DB_PASSWORD`` without a default still ends up in ``docker history``.
        return match.node("_arg") is not None
    return is_literal_secret_value(match.text(value))


def _apt_installs(script: Embedded) -> list[tuple[Command, list[str]]]:
    out = []
    for command in commands(script):
        if command.name in ("apt-get", "apt"):
            words = arg_words(script, command)
            if "install" in words:
                out.append((command, words))
    return out


def _recommends_off(words: list[str]) -> bool:
    return "--no-install-recommends" in words or any("Install-Recommends=" in w for w in words)


def apt_without_no_install_recommends(match: Match) -> CheckResult | bool:
    script = _script(match)
    if script is None:
        return False
    for command, words in _apt_installs(script):
        if not _recommends_off(words):
            return CheckResult(span=script.span(command.node))
    return False


def apt_no_install_recommends_fix(match: Match) -> list[Edit] | None:
    script = _script(match)
    if script is None:
        return None
    edits = []
    for command, words in _apt_installs(script):
        if _recommends_off(words):
            continue
        install = command.args[words.index("install")]
        end = script.span(install)[1]
        edits.append(Edit(end, end, " --no-install-recommends"))
    return edits or None


_APT_LISTS = re.compile(r"rm\s+(-\w+\s+)*\S*/var/lib/apt/lists")


def apt_lists_not_removed(match: Match) -> CheckResult | bool:
    run = match.node("finding")
    script = _script(match)
    if run is None or script is None:
        return False
    if "type=cache" in match.text(run).split("\n", 1)[0] and "/var/lib/apt" in match.text(run):
        return False  # a BuildKit cache mount keeps the lists out of the layer
    if _APT_LISTS.search(match.text(run)):
        return False
    installs = _apt_installs(script)
    if not installs:
        return False
    return CheckResult(span=script.span(installs[0][0].node))


def apt_lists_fix(match: Match) -> list[Edit] | None:
    run = match.node("finding")
    if run is None:
        return None
    body = next((c for c in run.named_children if c.type == "shell_command"), None)
    if body is None or any(c.type == "heredoc_block" for c in run.named_children):
        return None
    newline = newline_of(match.source)
    return [Edit(body.end_byte, body.end_byte, f" \\{newline}    && rm -rf /var/lib/apt/lists/*")]


def sudo_in_run(match: Match) -> CheckResult | bool:
    script = _script(match)
    if script is None:
        return False
    for command in commands(script):
        if command.name == "sudo":
            return CheckResult(span=script.span(command.node))
    return False


_WORLD_WRITABLE_OCTAL = re.compile(r"^0?[0-7]?[0-7][0-7][2367]$")
_WORLD_WRITABLE_SYMBOLIC = re.compile(r"(^|,)(a|o|ugo|)[+=][rwxXst]*w")


def _world_writable_mode(script: Embedded, command: Command) -> ts.Node | None:
    if command.name != "chmod":
        return None
    for arg, word in zip(command.args, arg_words(script, command)):
        if word.startswith("-") and not _WORLD_WRITABLE_SYMBOLIC.search(word):
            continue
        if _WORLD_WRITABLE_OCTAL.match(word) or _WORLD_WRITABLE_SYMBOLIC.search(word):
            return arg
        return None  # the first non-option argument is the mode
    return None


def chmod_world_writable(match: Match) -> CheckResult | bool:
    script = _script(match)
    if script is None:
        return False
    for command in commands(script):
        if _world_writable_mode(script, command) is not None:
            return CheckResult(span=script.span(command.node))
    return False


def chmod_fix(match: Match) -> list[Edit] | None:
    """``777`` -> ``755``, ``666`` -> ``644``: drop the write bit for group and others."""
    script = _script(match)
    if script is None:
        return None
    for command in commands(script):
        mode = _world_writable_mode(script, command)
        if mode is None:
            continue
        word = script.text(mode)
        if not word.isdigit():
            return None  # symbolic modes: the intent is unclear, leave it to the author
        fixed = word[:-2] + "".join(str(int(d) & 5) for d in word[-2:])
        start, end = script.span(mode)
        return [Edit(start, end, fixed)]
    return None
