"""Python helpers that rules reference as ``check = "vigil.rules.checks.<module>:<function>"``
(filters a query cannot express) or ``fix.function`` (edits a template cannot express).

A check receives a ``vigil.engine.runner.Match`` and returns falsy to drop the finding, ``True``
to keep it, or a ``CheckResult`` to refine it. A fix function returns a list of ``Edit`` or
``None`` when no safe edit exists for that match.
"""
