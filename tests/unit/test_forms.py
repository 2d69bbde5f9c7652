"""Typed form data (app/forms.py): what a browser sends becomes ints, bools and strings, or a clear error."""

from __future__ import annotations

import pytest

from app.errors import UserError
from app.forms import Form, parse
from app.i18n import use_locale


class Example(Form):
    card_id: int
    phase_id: int | None = None
    text: str = ""
    note: str | None = None
    on: bool = False
    tags: list[int] = []


def test_values_arrive_typed_and_undeclared_fields_are_ignored():
    form = parse(Example, [("card_id", "7"), ("phase_id", "3"), ("text", " hoi "), ("on", "1"), ("_zl_csrf", "x")])
    assert form == Example(card_id=7, phase_id=3, text=" hoi ", on=True)


def test_an_empty_field_takes_its_default_but_an_emptied_text_stays_empty():
    form = parse(Example, [("card_id", "7"), ("phase_id", ""), ("text", ""), ("note", ""), ("on", "")])
    assert form.phase_id is None and form.text == "" and form.note == "" and form.on is False


def test_a_list_field_gets_a_list_for_one_value_and_for_several():
    assert parse(Example, [("card_id", "1"), ("tags", "4")]).tags == [4]
    assert parse(Example, [("card_id", "1"), ("tags", "4"), ("tags", ""), ("tags", "5")]).tags == [4, 5]


@pytest.mark.parametrize("items", [[("card_id", "abc")], [("card_id", "1.5")], [], [("card_id", "1"), ("on", "misschien")]])
def test_a_value_that_cannot_be_read_is_a_400_in_the_users_language(items):
    with use_locale("nl"), pytest.raises(UserError) as refused:
        parse(Example, items)
    assert refused.value.status_code == 400 and "niet te lezen" in refused.value.message
