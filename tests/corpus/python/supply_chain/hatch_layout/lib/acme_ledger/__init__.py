# expect: none
"""The project's own package (built by hatch from lib/)."""


def balance(entries: list[int]) -> int:
    return sum(entries)
