"""When a class's fast kernel may stand in for its formula.

A building block (activation, loss, optimizer) states its maths in *formula*
methods (an activation's ``forward`` and ``derivative``) and may add *kernels*:
faster methods that compute the same thing (in place, from the output, in
closed form).  A kernel is only as good as the formula it was written for, so
it is trusted only where no class below the one that defines it redefines the
formula: a subclass of ``ReLU`` with its own ``forward``/``derivative`` does
not silently inherit ReLU's ``vjp`` (``g * (y > 0)``), and gets the generic one
built on its own ``derivative`` instead.

>>> class Base:
...     def forward(self): ...
...     def fast(self): ...
>>> class Child(Base):
...     def forward(self): ...
>>> kernel_is_trusted(Base, "fast", ("forward",)), kernel_is_trusted(Child, "fast", ("forward",))
(True, False)
"""

from __future__ import annotations

from collections.abc import Iterable


def defining_class(cls: type, attribute: str) -> type | None:
    """The first class in ``cls``'s method resolution order whose body defines ``attribute``."""
    return next((klass for klass in cls.__mro__ if attribute in vars(klass)), None)


def kernel_is_trusted(cls: type, kernel: str, formula: Iterable[str]) -> bool:
    """Whether ``cls``'s ``kernel`` was written for the ``formula`` methods ``cls`` uses.

    True when the class that defines the kernel is the class that defines each
    formula method, or a subclass of it (the kernel's author saw that formula);
    False when a class below the kernel's redefines part of the formula.
    """
    owner = defining_class(cls, kernel)
    if owner is None:
        return False
    return all(
        (formula_owner := defining_class(cls, method)) is None or issubclass(owner, formula_owner)
        for method in formula
    )
