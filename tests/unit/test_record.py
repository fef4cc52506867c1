"""smtpcodes._record: the frozen value classes behave as frozen slotted dataclasses did."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import msgspec
import pytest

from smtpcodes._record import (
    _FAST_AFTER,
    FrozenRecordError,
    field,
    fields,
    is_record,
    record,
    replace,
    struct_type,
)


@record
class Point:
    """A point."""

    x: int
    y: int = 0
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.x + self.y


@record
class Secret:
    user: str
    password: str = field(repr=False)


@record(order=True)
class Version:
    major: int
    minor: int = 0


@record
class Checked:
    value: int
    seen: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError("negative")
        self.seen.append(self.value)


@record
class Line:
    start: Point
    end: Point | None = None
    points: tuple[Point, ...] = ()


def test_init_defaults_and_factories() -> None:
    first, second = Point(1), Point(1)
    assert (first.x, first.y, first.tags) == (1, 0, {})
    assert first.tags is not second.tags  # a fresh default per instance
    assert Point(1, 2).total == 3
    assert Point(x=1, y=2, tags={"a": "b"}).tags == {"a": "b"}
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, 2, {}, 4)  # type: ignore[call-arg]


def test_slotted_and_frozen() -> None:
    point = Point(1)
    assert Point.__slots__ == ("x", "y", "tags")
    assert not hasattr(point, "__dict__")
    with pytest.raises(FrozenRecordError, match=r"'x'.*frozen"):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del point.y  # type: ignore[misc]
    assert point.x == 1


def test_equality_and_hash_follow_class_and_fields() -> None:
    assert Version(1, 2) == Version(1, 2)
    assert Version(1, 2) != Version(1, 3)
    assert hash(Version(1, 2)) == hash(Version(1, 2))
    assert len({Version(1), Version(1), Version(2)}) == 2

    @record
    class Other:
        major: int
        minor: int = 0

    assert Version(1, 2) != Other(1, 2)  # same fields, another class
    assert Version(1, 2) != (1, 2)
    with pytest.raises(TypeError):
        hash(Point(1))  # a dict field is unhashable, as with dataclasses


def test_order_only_when_asked() -> None:
    assert sorted([Version(2), Version(1, 5), Version(1)]) == [
        Version(1),
        Version(1, 5),
        Version(2),
    ]
    assert Version(1) < Version(1, 1) <= Version(1, 1) < Version(2)
    with pytest.raises(TypeError):
        _ = Point(1) < Point(2)  # type: ignore[operator]


def test_repr_hides_fields_marked_so() -> None:
    assert repr(Point(1, 2)) == "Point(x=1, y=2, tags={})"
    shown = repr(Secret("alice", "hunter2"))
    assert shown == "Secret(user='alice')"
    assert "hunter2" not in shown


def test_post_init_runs() -> None:
    assert Checked(3).seen == [3]
    with pytest.raises(ValueError, match="negative"):
        Checked(-1)


def test_replace_fields_and_match() -> None:
    point = Point(1, 2)
    moved = replace(point, y=5)
    assert (moved, point) == (Point(1, 5), Point(1, 2))
    with pytest.raises(TypeError, match="no field 'z'"):
        replace(point, z=1)
    assert fields(point) == fields(Point) == ("x", "y", "tags")
    assert is_record(point)
    assert is_record(Point)
    assert not is_record(1)
    match point:
        case Point(x, y):
            assert (x, y) == (1, 2)
        case _:
            pytest.fail("match_args")


def test_copy_and_pickle() -> None:
    point = Point(1, 2, {"k": "v"})
    assert copy.copy(point) == point
    clone = copy.deepcopy(point)
    assert clone == point
    assert clone.tags is not point.tags
    assert pickle.loads(pickle.dumps(point)) == point  # noqa: S301 - our own bytes
    assert pickle.loads(pickle.dumps(Version(1, 2))) == Version(1, 2)  # noqa: S301


def test_inheritance_adds_fields() -> None:
    @record
    class Point3(Point):
        z: int = 0

    point = Point3(1, 2, {}, 3)
    assert fields(point) == ("x", "y", "tags", "z")
    assert point.total == 3
    assert point.z == 3
    assert repr(Point3(1)).endswith("<locals>.Point3(x=1, y=0, tags={}, z=0)")


def test_definition_errors_are_clear() -> None:
    with pytest.raises(TypeError, match="'b' without a default"):

        @record
        class Bad:
            a: int = 1
            b: int

    with pytest.raises(TypeError, match=r"Hidden\._new: a field name may not start with '_'"):

        @record
        class Hidden:
            _new: int

    with pytest.raises(TypeError, match=r"use smtpcodes\._record\.field"):

        @record
        class Mixed:
            a: list[int] = dataclasses.field(default_factory=list)


def test_struct_type_validates_nested_records() -> None:
    data = {"start": {"x": 1}, "points": [{"x": 2, "y": 3}]}
    loose = msgspec.convert(data, struct_type(Line))
    assert msgspec.to_builtins(loose) == {
        "start": {"x": 1, "y": 0, "tags": {}},
        "end": None,
        "points": ({"x": 2, "y": 3, "tags": {}},),
    }
    with pytest.raises(msgspec.ValidationError, match=r"\$\.start\.x"):
        msgspec.convert({"start": {"x": "one"}}, struct_type(Line))
    msgspec.convert({"start": {"x": 1, "extra": 1}}, struct_type(Line))  # ignored when loose
    with pytest.raises(msgspec.ValidationError, match="unknown field `extra`"):
        msgspec.convert({"start": {"x": 1, "extra": 1}}, struct_type(Line, strict=True))
    assert struct_type(Line) is struct_type(Line)
    schema = msgspec.json.schema(struct_type(Point, strict=True))
    point_schema = schema["$defs"]["Point"]
    assert point_schema["additionalProperties"] is False
    assert point_schema["required"] == ["x"]
    assert point_schema["description"] == "A point."


def test_the_constructor_is_compiled_once_a_class_has_made_many() -> None:
    @record
    class Late:
        a: int
        b: str = "x"
        c: tuple[int, ...] = ()

    generic = Late.__new__
    assert generic.__qualname__.endswith("_make.<locals>.new")
    with pytest.raises(TypeError, match=r"Late\(\) missing 1 required positional argument: 'a'"):
        Late()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="takes 3 positional arguments but 4 were given"):
        Late(1, "y", (), 4)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'd'"):
        Late(1, d=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="multiple values for argument 'a'"):
        Late(1, a=2)  # type: ignore[misc]
    assert Late(b="y", a=1) == Late(1, "y")
    assert Late.__new__ is generic  # few instances: nothing compiled
    made = [Late(n) for n in range(_FAST_AFTER)]
    compiled = Late.__new__
    assert compiled.__qualname__ == f"{Late.__qualname__}.__new__"
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'a'"):
        Late()  # type: ignore[call-arg]
    for late in (*made, Late(7, "z"), Late(b="w", a=8)):
        assert type(late) is Late  # made as the unfrozen subclass, then given its class
        with pytest.raises(FrozenRecordError):
            late.a = 0  # type: ignore[misc]
    assert [late.a for late in made] == list(range(_FAST_AFTER))
    assert (Late(7, "z").b, Late(b="w", a=8)) == ("z", Late(8, "w"))
    assert copy.deepcopy(Late(9, "c")) == Late(9, "c")
    assert Late.__new__ is compiled


def test_factories_and_post_init_on_the_faster_constructor() -> None:
    for _ in range(_FAST_AFTER + 1):
        first, second = Point(1), Point(1)
        checked = Checked(5)
    for kind in (Point, Checked):
        assert "_building" in kind.__new__.__code__.co_names  # the faster one
    assert first.tags == {}
    assert first.tags is not second.tags
    assert checked.seen == [5]
    with pytest.raises(ValueError, match="negative"):
        Checked(-1)
    assert pickle.loads(pickle.dumps(Point(3, 4, {"k": "v"}))) == Point(3, 4, {"k": "v"})  # noqa: S301


def test_a_plain_subclass_of_a_record_is_made_too() -> None:
    class Labelled(Point):  # no @record: a __dict__, so another layout
        label = "p"

    for _ in range(_FAST_AFTER + 1):
        Point(0)  # Point's faster constructor hands Labelled to the descriptors
    point = Labelled(1, 2)
    assert type(point) is Labelled
    assert (point.x, point.y, point.tags, point.label) == (1, 2, {}, "p")
    with pytest.raises(FrozenRecordError):
        point.x = 3  # type: ignore[misc]
    assert Checked(4).seen == [4]  # __post_init__ on the usual path


def test_fields_may_be_named_like_the_constructor_arguments() -> None:
    @record
    class Odd:
        self: int
        cls: str
        kind: str = "k"

    odd = Odd(cls="c", self=1)
    assert (odd.self, odd.cls, odd.kind) == (1, "c", "k")


def test_fields_are_set_through_their_slots_even_when_inherited() -> None:
    @record
    class Base:
        a: int

    @record
    class Child(Base):
        b: int = 2

    child = Child(1)
    assert (child.a, child.b) == (1, 2)
    assert Base(5).a == 5  # the base's own __init__, compiled separately
    with pytest.raises(FrozenRecordError):
        child.a = 3  # type: ignore[misc]
