"""A tiny, fully tested module."""


def restock(level: int, minimum: int) -> int:
    """How many items to order so that ``level`` reaches ``minimum``."""
    if level < minimum:
        return minimum - level
    return 0
