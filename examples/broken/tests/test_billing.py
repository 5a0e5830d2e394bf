from billing import invoice_total


def test_total_with_discount() -> None:
    assert invoice_total([10, 20], discount=5) == 25
