"""Never imported by the tests: counts as 0% covered."""


def monthly(rows: list[int]) -> int:
    return sum(rows)
