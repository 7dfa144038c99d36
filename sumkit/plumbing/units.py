"""Units: ether amounts in wei and durations in seconds, plus friendly formatting.

>>> ether(0.1)
100000000000000000
>>> days(1) + hours(2)
93600
>>> format_ether(ether(1.5))
'1.5 ETH'
>>> format_ether(3), format_ether(gwei(2.5))
('3 wei', '2.5 gwei')
>>> format_duration(days(1) + minutes(3))
'1 d 3 min'
"""

from __future__ import annotations

from decimal import Decimal

WEI_PER_ETHER = 10**18
GWEI = 10**9
MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def ether(amount: float | int | str | Decimal) -> int:
    """``amount`` ether in wei (exact for decimal strings: ``ether("0.1")``)."""
    wei = Decimal(str(amount)) * WEI_PER_ETHER
    if wei != wei.to_integral_value():
        raise ValueError(f"{amount} ether is not a whole number of wei")
    return int(wei)


def gwei(amount: float | int | str | Decimal) -> int:
    """``amount`` gwei in wei."""
    return int(Decimal(str(amount)) * 10**9)


def seconds(n: int = 1) -> int:
    """``n`` seconds."""
    return int(n)


def minutes(n: float = 1) -> int:
    """``n`` minutes in seconds."""
    return round(n * MINUTE)


def hours(n: float = 1) -> int:
    """``n`` hours in seconds."""
    return round(n * HOUR)


def days(n: float = 1) -> int:
    """``n`` days in seconds."""
    return round(n * DAY)


def to_ether(wei: int) -> float:
    """Wei as a float number of ether, for tables and plots."""
    return wei / WEI_PER_ETHER


def format_ether(wei: int, digits: int | None = 6) -> str:
    """A short human form of a wei amount, in the unit that shows it: ether from 1e-6 ether up (``digits``
    decimals, rounded; ``None`` for every decimal), gwei below that, wei below one gwei (always exact).

    >>> format_ether(36 * 10**14), format_ether(1), format_ether(-2 * 10**9), format_ether(0)
    ('0.0036 ETH', '1 wei', '-2 gwei', '0 ETH')
    """
    wei = int(wei)
    size = abs(wei)
    if size == 0:
        return "0 ETH"
    if size < GWEI:
        return f"{wei} wei"
    if size < WEI_PER_ETHER // 10**6:
        return f"{_trim(f'{Decimal(wei) / GWEI:f}')} gwei"
    value = Decimal(wei) / WEI_PER_ETHER
    return f"{_trim(f'{value:.{digits}f}' if digits is not None else f'{value:f}')} ETH"


def format_ether_apart(a: int, b: int, digits: int = 6) -> tuple[str, str]:
    """Two amounts formatted so that different amounts read differently (for "needs X but Y was sent"): with
    ``digits`` decimals, or exactly when those round them to the same text.

    >>> format_ether_apart(ether("0.12") + 7, ether("0.12"))
    ('0.120000000000000007 ETH', '0.12 ETH')
    """
    short = format_ether(a, digits), format_ether(b, digits)
    return short if short[0] != short[1] or a == b else (format_ether(a, None), format_ether(b, None))


def _trim(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number


def format_duration(secs: int) -> str:
    """A short human form of a duration: ``'23 h 59 min 48 s'``."""
    if secs <= 0:
        return "0 s"
    parts = []
    for unit, size in (("d", DAY), ("h", HOUR), ("min", MINUTE), ("s", 1)):
        count, secs = divmod(secs, size)
        if count:
            parts.append(f"{count} {unit}")
    return " ".join(parts)


def warn_if_short(name: str, seconds: int, *, allowed: bool) -> None:
    """Warn that a wait of under a minute is probably a unit slip (``refund_wait=1`` meant as one day), unless
    ``allowed`` (the ``short_waits=True`` of the settings that own the wait)."""
    if seconds < MINUTE and not allowed:
        import warnings

        warnings.warn(
            f"{name}={seconds} is {seconds} second(s), not {seconds} day(s): waits are in seconds, so write "
            f"sk.days({seconds or 1}) or sk.hours(...). If you really mean seconds (a quick demo), pass short_waits=True.",
            UserWarning,
            stacklevel=4,
        )

