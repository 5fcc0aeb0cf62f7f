"""The two kinds of trouble the class features report, each as one sentence for the user."""


class ClassError(Exception):
    """Something the class features cannot do; ``str(error)`` is one sentence for the user."""


class ClassRuleError(ClassError, ValueError):
    """A request the rules refuse (unknown room, room full, too fast...): the class features go on."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after  # seconds until a refused send would be accepted, when that is known


class ClassStoreError(ClassError):
    """The class database cannot be used (missing, locked, corrupt, read-only, full): the class features pause."""
