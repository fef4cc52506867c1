"""Frozen, slotted record classes that are cheap to define (stdlib only).

``@record`` does what ``@dataclass(frozen=True, slots=True)`` did for the library's value
types (``Reply``, ``Entry``, ``Explanation``...), at about a sixth of the cost of defining a class:
``dataclasses`` generates six methods per class with ``exec`` and imports ``inspect``, which
together cost the CLI about a quarter of its start-up time (41 classes on the way to one
explanation).  Here only ``__new__`` is generated (it is the one whose speed matters: records
are made, not initialised, so that fields are plain stores); equality, hashing, ``repr``,
ordering and pickling are shared functions reading the fields through one
``operator.attrgetter``.

Semantics follow dataclasses: fields are the annotated class attributes in order, a field with
a default makes the following ones need defaults too, ``field(default_factory=...)`` gives a
fresh default, ``__post_init__`` runs once the fields are set, instances are immutable
(:class:`FrozenRecordError`), equal when their class and fields are equal, hashable, and
ordered by their fields with ``order=True``.  Type checkers see a dataclass (PEP 681).
msgspec, used at build time to validate data and to describe the API, learns the shape of a
record from :func:`struct_type`.
"""

from __future__ import annotations

import sys
from operator import attrgetter

from smtpcodes._typing import TYPE_CHECKING, dataclass_transform, overload

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    _T = TypeVar("_T")

_FIELDS = "__record_fields__"


class FrozenRecordError(AttributeError):
    """Raised on an attempt to change or delete a field of a record."""


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


class _Field:
    """What ``field()`` leaves in a class body until ``@record`` reads it."""

    __slots__ = ("default", "repr")

    def __init__(self, default: Any, shown: bool) -> None:
        self.default = default
        self.repr = shown


_NO_DEFAULT: Any = object()
#: instances a record class makes before its constructor is compiled (see _make)
_FAST_AFTER = 16


def field(
    *,
    default: Any = _NO_DEFAULT,
    default_factory: Callable[[], Any] | None = None,
    repr: bool = True,
) -> Any:
    """A field with options: ``field(default_factory=dict)`` makes a fresh default for each
    instance, ``field(repr=False)`` keeps a value (a secret) out of ``repr()``."""
    if default_factory is not None:
        default = _Factory(default_factory)
    return _Field(default, repr)


def _values(self: Any) -> tuple[Any, ...]:
    values: tuple[Any, ...] = type(self).__record_values__(self)
    return values


def _eq(self: Any, other: object) -> Any:  # bool, or NotImplemented
    if other.__class__ is self.__class__:
        return _values(self) == _values(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(_values(self))


def _repr(self: Any) -> str:
    cls = type(self)
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in cls.__record_repr__)
    return f"{cls.__qualname__}({shown})"


def _frozen(self: Any, name: str, *_: Any) -> None:
    raise FrozenRecordError(f"cannot assign to field {name!r}: {type(self).__name__} is frozen")


def _reduce(self: Any) -> tuple[type[Any], tuple[Any, ...]]:
    """For pickle and copy: made again from its fields (``__new__`` takes them all)."""
    return type(self), _values(self)


def _order(compare: Callable[[Any, Any], bool]) -> Callable[[Any, object], Any]:
    def method(self: Any, other: object) -> Any:  # bool, or NotImplemented
        if other.__class__ is self.__class__:
            return compare(_values(self), _values(other))
        return NotImplemented

    return method


_ORDER = {
    "__lt__": _order(lambda a, b: a < b),
    "__le__": _order(lambda a, b: a <= b),
    "__gt__": _order(lambda a, b: a > b),
    "__ge__": _order(lambda a, b: a >= b),
}


def _is_class_var(annotation: object) -> bool:
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return text.startswith(("ClassVar", "typing.ClassVar"))


def _make(cls: type[Any], order: bool) -> type[Any]:
    names: list[str] = []
    defaults: dict[str, Any] = {}
    hidden: set[str] = set()  # kept out of repr()
    for base in reversed(cls.__mro__[1:]):
        inherited: Any = base  # a record class, when it has fields
        for name in getattr(base, _FIELDS, ()):
            if name not in names:
                names.append(name)
            if name in inherited.__record_defaults__:
                defaults[name] = inherited.__record_defaults__[name]
            if name not in inherited.__record_repr__:
                hidden.add(name)
    namespace = dict(cls.__dict__)
    own = [
        name
        for name, annotation in namespace.get("__annotations__", {}).items()
        if not _is_class_var(annotation)
    ]
    for name in own:
        if name not in names:
            names.append(name)
        if name in namespace:
            value = namespace.pop(name)
            if type(value).__module__ == "dataclasses":
                raise TypeError(f"{cls.__name__}.{name}: use smtpcodes._record.field")
            if isinstance(value, _Field):
                if not value.repr:
                    hidden.add(name)
                value = value.default
            if value is not _NO_DEFAULT:
                defaults[name] = value
    params: list[str] = []
    for name in names:
        if name.startswith("_"):  # the constructor's own names start with one
            raise TypeError(f"{cls.__name__}.{name}: a field name may not start with '_'")
        if name in defaults:
            params.append(f"{name}=_d_{name}")
        elif len(params) > len([n for n in names[: len(params)] if n not in defaults]):
            raise TypeError(f"{cls.__name__}: field {name!r} without a default follows one with")
        else:
            params.append(name)
    # The first instances are made by a generic constructor that binds the arguments itself
    # and sets each slot through its descriptor (the frozen __setattr__ is bypassed): a
    # command that makes a few instances of many classes compiles nothing.  A class that has
    # made _FAST_AFTER instances gets a compiled one: an instance is made as one of a
    # subclass that is not frozen (same slots, the default __setattr__), with plain attribute
    # stores that the interpreter specialises, and then given the record's class (twice as
    # fast as a store through each descriptor, three times for fifteen fields).  A subclass
    # that is no record of its own (its layout may differ) keeps the generic one.
    # (_r_ names: a field may be called "self" or "cls")
    stores = []
    for name in names:
        value = f"_d_{name}.make() if {name} is _d_{name} else {name}"
        if not isinstance(defaults.get(name), _Factory):
            value = name
        stores.append(f"_r_self.{name} = {value}")
    post_init = hasattr(cls, "__post_init__")
    fast_source = "\n    ".join(
        [
            f"def __new__(_r_cls, {', '.join(params)}):",
            "if _r_cls is not _made:",
            f"    return _generic(_r_cls, {', '.join(names)})",
            "_r_self = _new(_building)",
            *stores,
            "_r_self.__class__ = _r_cls",
            *(["_r_self.__post_init__()"] if post_init else []),
            "return _r_self",
        ]
    )
    required = [name for name in names if name not in defaults]
    known = frozenset(names)
    setters: list[tuple[str, Callable[[Any, Any], None]]] = []
    count = 0

    def generic(kind: Any, /, *args: Any, **kwargs: Any) -> Any:
        """An instance of ``kind`` (the record or a subclass), the arguments bound as a
        compiled ``__new__`` binds them."""
        if len(args) > len(names):
            raise TypeError(
                f"{cls.__qualname__}() takes {len(names)} positional arguments "
                f"but {len(args)} were given"
            )
        values = dict(zip(names, args, strict=False))
        for name, value in kwargs.items():
            if name not in known:
                raise TypeError(f"{cls.__qualname__}() got an unexpected keyword argument {name!r}")
            if name in values:
                raise TypeError(f"{cls.__qualname__}() got multiple values for argument {name!r}")
            values[name] = value
        missing = [repr(name) for name in required if name not in values]
        if missing:
            listed = (
                missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} and {missing[-1]}"
            )
            plural = "s" if len(missing) > 1 else ""
            raise TypeError(
                f"{cls.__qualname__}() missing {len(missing)} required positional "
                f"argument{plural}: {listed}"
            )
        if not setters:
            for name in names:
                slot = next(k.__dict__[name] for k in made.__mro__ if name in k.__dict__)
                setters.append((name, slot.__set__))
        self = object.__new__(kind)
        for name, put in setters:
            value = values[name] if name in values else defaults[name]
            put(self, value.make() if isinstance(value, _Factory) else value)
        if post_init:
            self.__post_init__()
        return self

    def new(kind: Any, /, *args: Any, **kwargs: Any) -> Any:
        nonlocal count
        count += 1
        if count == _FAST_AFTER:
            scope: dict[str, Any] = {f"_d_{name}": value for name, value in defaults.items()}
            scope.update(_new=object.__new__, _made=made, _generic=generic)
            scope["_building"] = metaclass(
                cls.__name__,
                (made,),
                {
                    "__slots__": (),
                    "__setattr__": object.__setattr__,
                    "__delattr__": object.__delattr__,
                    "__qualname__": f"{cls.__qualname__}.<being made>",
                    "__module__": cls.__module__,
                },
            )
            exec(fast_source, scope)  # noqa: S102 - our own source text, as dataclasses does
            compiled = scope["__new__"]
            compiled.__qualname__ = f"{cls.__qualname__}.__new__"
            made.__new__ = staticmethod(compiled)
        return generic(kind, *args, **kwargs)

    metaclass: Any = type(cls)
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    inherited = {slot for base in cls.__mro__[1:] for slot in getattr(base, "__slots__", ())}
    namespace["__slots__"] = tuple(name for name in own if name not in inherited)
    namespace[_FIELDS] = tuple(names)
    namespace["__qualname__"] = cls.__qualname__  # type() would take the bare name
    namespace["__record_defaults__"] = defaults
    namespace["__match_args__"] = tuple(names)
    namespace["__record_repr__"] = tuple(name for name in names if name not in hidden)
    getter = attrgetter(*names) if names else (lambda _: ())
    namespace["__record_values__"] = (
        getter if len(names) != 1 else (lambda item, get=getter: (get(item),))
    )
    namespace.update(
        __new__=new,
        __eq__=_eq,
        __hash__=_hash,
        __repr__=_repr,
        __setattr__=_frozen,
        __delattr__=_frozen,
        __reduce__=_reduce,
    )
    if order:
        namespace.update(_ORDER)
    made: type[Any] = metaclass(cls.__name__, cls.__bases__, namespace)
    return made


@overload
def record(cls: type[_T], /) -> type[_T]: ...
@overload
def record(*, order: bool = False) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(frozen_default=True, eq_default=True, field_specifiers=(field,))
def record(
    cls: type[_T] | None = None, /, *, order: bool = False
) -> type[_T] | Callable[[type[_T]], type[_T]]:
    """Make ``cls`` a frozen record class (``@record`` or ``@record(order=True)``)."""
    if cls is None:
        return lambda inner: _make(inner, order)
    return _make(cls, order)


def is_record(value: object) -> bool:
    """Whether ``value`` is a record instance or class."""
    return hasattr(value, _FIELDS)


def fields(value: object) -> tuple[str, ...]:
    """The field names of a record (instance or class), in order."""
    names: tuple[str, ...] = getattr(value, _FIELDS)
    return names


def replace(value: _T, /, **changes: Any) -> _T:
    """A copy of the record ``value`` with some fields changed."""
    cls = type(value)
    unknown = set(changes) - set(fields(cls))
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {sorted(unknown)[0]!r}")
    current = {name: getattr(value, name) for name in fields(cls)}
    made: _T = cls(**{**current, **changes})
    return made


_STRUCTS: dict[tuple[type[Any], bool], Any] = {}


def struct_type(cls: type[Any], *, strict: bool = False) -> Any:
    """A msgspec Struct type of the same shape as the record class ``cls`` (nested records
    become nested structs), for validating data into and describing it in JSON Schema.

    ``strict``: unknown keys are errors (in JSON Schema: ``additionalProperties: false``).
    """
    made = _STRUCTS.get((cls, strict))
    if made is not None:
        return made
    import typing

    import msgspec

    hints = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))
    defaults = cls.__record_defaults__
    spec: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for name in fields(cls):
        kind = _swap(hints[name], strict)
        default = defaults.get(name, _NO_DEFAULT)
        if default is _NO_DEFAULT:
            spec.append((name, kind))
        elif isinstance(default, _Factory):
            spec.append((name, kind, msgspec.field(default_factory=default.make)))
        else:
            spec.append((name, kind, default))
    made = msgspec.defstruct(
        cls.__name__, spec, frozen=True, forbid_unknown_fields=strict, module=cls.__module__
    )
    made.__doc__ = cls.__doc__
    _STRUCTS[cls, strict] = made
    return made


def _swap(kind: Any, strict: bool) -> Any:
    """``kind`` with every record class in it replaced by its struct type."""
    import types
    import typing

    if isinstance(kind, type) and is_record(kind):
        return struct_type(kind, strict=strict)
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is None or not args or origin is typing.Literal:
        return kind
    swapped = tuple(arg if arg is Ellipsis else _swap(arg, strict) for arg in args)
    if origin in (typing.Union, types.UnionType):
        return typing.Union[swapped]  # noqa: UP007 - built from a tuple of types
    if origin is typing.Annotated:
        return typing.Annotated[swapped]
    return origin[swapped]
