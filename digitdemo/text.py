"""Words around numbers, so that a page never says "1 epochs"."""


def plural(count: int, noun: str) -> str:
    """ "1 epoch", "2 epochs", "1,000 epochs": the count with its noun in the right number."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def countdown(seconds: float) -> str:
    """Seconds left as "m:ss", rounded up: a count-down shows 0:00 only once the time is up."""
    whole = max(0, int(-(-seconds // 1)))
    return f"{whole // 60}:{whole % 60:02d}"
