# expect: none
"""Pure helpers: asserts on invariants, unrelated .run() and .filename."""


class Interval:
    def __init__(self, start: int, end: int) -> None:
        assert start <= end, "start must not exceed end"
        self.start = start
        self.end = end

    def length(self) -> int:
        return self.end - self.start


def describe(record) -> str:
    return f"{record.filename} ({record.size} bytes)"


def run_all(tasks) -> None:
    for task in tasks:
        task.run(debug=True)
