"""One registry per concept (activations, initializers, losses, ...) and its ``get``.

``get(identifier, **options)`` accepts, as Keras's ``get`` does: None (returns
None), a name or alias (case-insensitive; ``options`` go to the factory), a
config dict ``{"name": ..., "config": {...}}``, an instance of the concept's
base class, or any callable.  An unknown name raises ``ValueError`` listing
the valid names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._checks import ArgumentTypeError


class Registry:
    """Name -> factory table for one concept, with aliases."""

    def __init__(self, kind: str, base: type | None = None) -> None:
        self.kind = kind
        self.base = base
        self._factories: dict[str, Callable[..., Any]] = {}
        self._canonical: dict[str, str] = {}

    def register(self, name: str, *aliases: str) -> Callable[[Callable[..., Any]], Any]:
        """Decorator: register ``factory`` under ``name`` and its aliases."""

        def decorate(factory: Callable[..., Any]) -> Callable[..., Any]:
            self.add(name, factory, *aliases)
            return factory

        return decorate

    def add(self, name: str, factory: Callable[..., Any], *aliases: str) -> None:
        self._factories[name] = factory
        for key in (name, *aliases):
            self._canonical[key.lower()] = name

    def names(self) -> list[str]:
        """Primary names, in registration order."""
        return list(self._factories)

    def aliases(self) -> list[str]:
        """Every accepted name, aliases included."""
        return sorted(self._canonical)

    def canonical(self, name: str) -> str:
        """The primary name for ``name`` or an alias; ValueError when unknown."""
        key = name.lower().strip()
        if key not in self._canonical:
            raise ValueError(
                f"unknown {self.kind} {name!r}; valid names: {', '.join(self.aliases())}"
            )
        return self._canonical[key]

    def get(self, identifier: Any, **options: Any) -> Any:
        if identifier is None:
            return None
        if isinstance(identifier, str):
            factory = self._factories[self.canonical(identifier)]
            try:
                return factory(**options)
            except ArgumentTypeError:
                raise  # already names the argument, the value and the expected form
            except TypeError as error:  # an unknown or missing keyword
                raise TypeError(
                    f"bad options {options} for {self.kind} {identifier!r}: {error}"
                ) from error
        if isinstance(identifier, dict):
            name = identifier.get("name", identifier.get("class_name"))
            if not isinstance(name, str):
                raise ValueError(
                    f"a {self.kind} config dict needs a 'name' string, got {identifier!r}"
                )
            return self.get(name, **{**identifier.get("config", {}), **options})
        if self.base is not None and isinstance(identifier, self.base):
            if options:
                raise TypeError(
                    f"options {options} cannot be applied to an existing {self.kind} "
                    f"instance {identifier!r}"
                )
            return identifier
        if (
            isinstance(identifier, type)
            and self.base is not None
            and issubclass(identifier, self.base)
        ):
            return identifier(**options)
        if callable(identifier):
            return identifier
        raise TypeError(
            f"a {self.kind} must be a name, a config dict, an instance or a callable, "
            f"got {type(identifier).__name__} {identifier!r}"
        )


class Configurable:
    """An object described by its options: ``get_config()`` gives repr, equality and hash.

    Activations, initializers and regularizers derive from it, so that
    ``get(name, **obj.get_config())`` rebuilds an equal object.
    """

    def get_config(self) -> dict[str, Any]:
        """Options that rebuild this object through its registry's ``get(name, **config)``."""
        return {}

    def __repr__(self) -> str:
        options = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({options})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self.get_config().items()))))
