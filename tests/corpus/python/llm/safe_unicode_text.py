# expect: none
"""Localised strings: emoji joiners and right-to-left text are legitimate."""

FAMILY_EMOJI = "👨‍👩‍👧"
HEBREW_GREETING = "שלום‏!"
PERSIAN_WORD = "می‌خواهم"
ESCAPED_ZWSP = "\u200b"


def greet(name: str) -> str:
    return f"{HEBREW_GREETING} {name} {FAMILY_EMOJI}"
