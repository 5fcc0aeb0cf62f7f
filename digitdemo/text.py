"""Words around numbers, so that a page never says "1 epochs"."""


def plural(count: int, noun: str) -> str:
    """ "1 epoch", "2 epochs", "1,000 epochs": the count with its noun in the right number."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"
