from inventory import restock


def test_restock_below_minimum() -> None:
    assert restock(2, 5) == 3


def test_restock_at_or_above_minimum() -> None:
    assert restock(5, 5) == 0
    assert restock(9, 5) == 0
