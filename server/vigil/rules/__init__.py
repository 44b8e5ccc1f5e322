"""Rules are data: TOML files with a tree-sitter query, metadata, a fix and examples.

``model`` describes a rule, ``loader`` reads and validates rule files, ``predicates``
implements the custom query predicates that rules may use.
"""
