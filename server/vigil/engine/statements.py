"""What a "statement" is outside Python: the unit a suppression comment covers.

``suppressions.statement_span`` handles Python itself; for the other grammars it asks here.
Each answer is a byte span inside the file, chosen so that a comment on any line of the span
(or, for these languages, on the comment lines right above it) silences the finding:

* Dockerfile: the whole instruction, continuation lines included (``RUN a && \\`` ...);
* YAML: the mapping pair or sequence item holding the node; when its value is a nested block
  (``securityContext:`` followed by an indented mapping, ``run: |`` followed by a script),
  only its first line, so one comment never silences a whole subtree;
* HCL: the attribute holding the node, else the header of the innermost block
  (``resource "aws_s3_bucket" "logs" {``).
"""

from __future__ import annotations

import tree_sitter as ts

_YAML_UNITS = ("block_mapping_pair", "flow_pair", "block_sequence_item")
_YAML_NESTED = ("block_mapping", "block_sequence", "block_scalar")


def _first_line_end(node: ts.Node) -> int:
    text = node.text or b""
    newline = text.find(b"\n")
    return node.end_byte if newline < 0 else node.start_byte + newline


def _yaml(node: ts.Node) -> tuple[int, int]:
    current: ts.Node | None = node
    while current is not None and current.type not in _YAML_UNITS:
        current = current.parent
    if current is None:
        return node.start_byte, node.end_byte
    value = current.child_by_field_name("value") if current.type != "block_sequence_item" else (
        current.named_children[0] if current.named_children else None)
    nested = value is not None and value.type == "block_node" and any(
        c.type in _YAML_NESTED for c in value.named_children)
    if nested and node.start_byte >= _first_line_end(current) + 1 and current.type != "block_sequence_item":
        # The node lies in the nested block but in no smaller unit (cannot happen for pairs
        # with keys; kept for robustness): fall back to its own lines.
        return node.start_byte, node.end_byte
    if nested:
        return current.start_byte, _first_line_end(current)
    return current.start_byte, current.end_byte


def _hcl(node: ts.Node) -> tuple[int, int]:
    current: ts.Node | None = node
    block: ts.Node | None = None
    while current is not None:
        if current.type == "attribute":
            return current.start_byte, current.end_byte
        if current.type == "block" and block is None:
            block = current
        current = current.parent
    if block is None:
        return node.start_byte, node.end_byte
    opening = next((c for c in block.children if c.type == "block_start"), None)
    return block.start_byte, opening.end_byte if opening is not None else _first_line_end(block)


def _dockerfile(node: ts.Node) -> tuple[int, int]:
    current = node
    while current.parent is not None and current.parent.parent is not None:
        current = current.parent
    return current.start_byte, current.end_byte


_BY_ROOT = {"stream": _yaml, "config_file": _hcl, "source_file": _dockerfile}


def root_type(node: ts.Node) -> str:
    current = node
    while current.parent is not None:
        current = current.parent
    return current.type


def statement_span(node: ts.Node, root: str | None = None) -> tuple[int, int] | None:
    """The statement span for a non-Python tree, or None when the root is not one of ours."""
    handler = _BY_ROOT.get(root or root_type(node))
    return handler(node) if handler is not None else None
