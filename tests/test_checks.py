"""The argument-check vocabulary: one message form, the right exception kind."""

import math

import numpy as np
import pytest

from lucidnet._checks import (
    ArgumentTypeError,
    check_bool,
    check_choice,
    check_int,
    check_positive_int,
    check_real,
    check_verbose,
)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: check_int(0, "units", low=1), "units must be an int >= 1, got 0"),
        (lambda: check_int(11, "n", low=1, high=10), r"n must be an int in \[1, 10\], got 11"),
        (
            lambda: check_real(1.0, "rate", low=0, high=1, closed="left"),
            r"rate must be a finite real number in \[0, 1\), got 1.0",
        ),
        (lambda: check_real(0.0, "eps", low=0, closed="neither"), "eps must be .* > 0, got 0.0"),
        (lambda: check_real(math.nan, "lr"), "lr must be a finite real number, got nan"),
        (lambda: check_real(math.inf, "lr"), "lr must be a finite real number, got inf"),
        (
            lambda: check_choice("avg", "mode", ("fan_in", "fan_out")),
            "mode must be one of 'fan_in', 'fan_out', got 'avg'",
        ),
    ],
)
def test_out_of_range_values_raise_value_error_with_the_expected_form(call, message):
    with pytest.raises(ValueError, match=f"^{message}$") as error:
        call()
    assert not isinstance(error.value, TypeError)


@pytest.mark.parametrize(
    "call",
    [
        lambda: check_int(True, "units"),
        lambda: check_int(2.0, "units"),
        lambda: check_int("3", "units"),
        lambda: check_real(False, "lr"),
        lambda: check_real("0.1", "lr"),
        lambda: check_bool(1, "shuffle"),
        lambda: check_bool("yes", "shuffle"),
        lambda: check_choice(None, "mode", ("a",)),
    ],
)
def test_wrong_kinds_raise_an_error_that_is_both_type_and_value_error(call):
    with pytest.raises(ArgumentTypeError) as error:
        call()
    assert isinstance(error.value, TypeError) and isinstance(error.value, ValueError)


def test_accepted_values_come_back_in_their_canonical_form():
    assert check_int(np.int64(4), "n", low=1) == 4 and type(check_int(np.int64(4), "n")) is int
    assert check_real(np.float32(0.5), "p", low=0, high=1) == 0.5
    assert check_real(-math.inf, "a", finite=False) == -math.inf
    assert check_bool(np.bool_(True), "flag") is True
    assert check_choice("FAN_IN", "mode", ("fan_in",)) == "fan_in"
    assert check_positive_int(2, "n", minimum=2) == 2
    assert check_real(1.0, "x", low=1.0, high=2.0, closed="left") == 1.0
    assert check_real(2.0, "x", low=1.0, high=2.0, closed="right") == 2.0


def test_verbose_takes_0_1_2_and_bools_as_keras_does():
    assert [check_verbose(v) for v in (0, 1, 2, False, True)] == [0, 1, 2, 0, 1]
    with pytest.raises(ValueError, match=r"verbose must be an int in \[0, 2\], got 3"):
        check_verbose(3)
    with pytest.raises(ArgumentTypeError, match=r"verbose must be an int in \[0, 2\], got '1'"):
        check_verbose("1")
