"""Which kind of YAML file this is: a Kubernetes manifest, a Compose file, a GitHub Actions
workflow, or none of them.

Names do not settle it (``deploy.yaml`` is a manifest in one repository and a CI config in
the next), so the top-level keys of the parsed documents do: a manifest has ``apiVersion`` and
``kind`` (in any document of a multi-document stream), a workflow has ``on`` and ``jobs``, a
Compose file has a ``services`` table. Only the top-level mapping of each document is read,
so sniffing costs a few node visits, not a walk of the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath

import tree_sitter as ts


def scalar_text(node: ts.Node | None) -> str:
    """The text of a YAML key or scalar without quotes (``"image"`` -> ``image``)."""
    if node is None or node.text is None:
        return ""
    text = node.text.decode("utf-8", "replace").strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _mapping_of(node: ts.Node | None) -> ts.Node | None:
    """The ``block_mapping``/``flow_mapping`` a document or value node stands for."""
    while node is not None and node.type in ("document", "block_node", "flow_node"):
        node = next((c for c in node.named_children if c.type != "comment" and c.type != "tag"
                     and c.type != "anchor"), None)
    if node is not None and node.type in ("block_mapping", "flow_mapping"):
        return node
    return None


def mapping_pairs(mapping: ts.Node | None) -> Iterator[tuple[str, ts.Node]]:
    """(key text, pair node) for each pair of a mapping node."""
    if mapping is None:
        return
    for pair in mapping.named_children:
        if pair.type in ("block_mapping_pair", "flow_pair"):
            yield scalar_text(pair.child_by_field_name("key")), pair


def top_level_keys(tree: ts.Tree) -> list[set[str]]:
    """The top-level keys of each document in the stream."""
    out: list[set[str]] = []
    for document in tree.root_node.named_children:
        if document.type != "document":
            continue
        out.append({key for key, _ in mapping_pairs(_mapping_of(document))})
    return out


def yaml_dialect(path: PurePath | None, tree: ts.Tree, source: bytes) -> str | None:
    """``kubernetes``, ``compose``, ``github-actions`` or None for other YAML."""
    documents = top_level_keys(tree)
    if any({"apiVersion", "kind"} <= keys for keys in documents):
        return "kubernetes"
    if any("jobs" in keys and ("on" in keys or "true" in keys) for keys in documents):
        # YAML 1.1 readers turn the bare key ``on`` into ``true``; the grammar keeps the text.
        return "github-actions"
    if any("services" in keys and not keys & {"apiVersion", "jobs", "stages"} for keys in documents):
        return "compose"
    return None
