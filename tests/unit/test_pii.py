"""Personal data in a card's text: BSN (11-test), dates of birth, e-mail addresses, Dutch phone numbers."""

from __future__ import annotations

from datetime import date

import pytest

from app.privacy import pii

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize("number", ["123456782", "111222333", "999999990", "012345672", "12345672"])
def test_valid_bsns_pass_the_eleven_test(number):
    assert pii.is_valid_bsn(number)


@pytest.mark.parametrize("number", ["123456789", "111222334", "000000000", "12345678a", "1234567", "1234567890", ""])
def test_invalid_bsns_fail_it(number):
    assert not pii.is_valid_bsn(number)


@pytest.mark.parametrize("text", ["BSN 123456782", "bsn: 123.456.782", "123 456 782", "1234 56 782", "nr 123-456-782"])
def test_a_bsn_is_found_however_it_is_written(text):
    assert pii.kinds(text, TODAY) == [pii.BSN]


@pytest.mark.parametrize("text", ["ordernummer 123456789", "123456782123", "versie 1.2.3", "1000 kaarten in 7 fases",
                                  "€ 123.456,78", "postcode 1234 AB", "om 10:30 uur"])
def test_numbers_that_are_no_bsn_or_phone_are_left_alone(text):
    assert pii.find(text, TODAY) == []


@pytest.mark.parametrize("text", [
    "0612345678", "06-12345678", "06 1234 5678", "06 12 34 56 78", "+31612345678", "+31 6 12345678",
    "+31 (0)6 12345678", "0031 6 1234 5678", "020-1234567", "(020) 123 4567", "010 123 45 67", "0591-123456",
])
def test_dutch_phone_formats(text):
    assert pii.kinds(f"bel {text} even", TODAY) == [pii.PHONE], text


@pytest.mark.parametrize("text", ["061234567", "06123456789", "+32 6 12345678", "0012345678", "112", "14 020"])
def test_not_dutch_phone_numbers(text):
    assert pii.PHONE not in pii.kinds(text, TODAY), text


@pytest.mark.parametrize("text", [
    "12-03-1958", "12/3/58", "1.3.1958", "1958-03-12", "12 maart 1958", "12 mrt. 1958", "3 March 1950",
    "March 3, 1950", "geb. 29-02-1960", "01-01-2020",
])
def test_dates_that_can_be_a_birthday(text):
    assert pii.kinds(f"cliënt {text}", TODAY) == [pii.DATE], text


@pytest.mark.parametrize("text", [
    "31-02-1980", "12-13-1980", "12-03-1850", "12-03-2099", "23-11-2026", "29-02-1961", "12 brommer 1958",
    "2024-2025", "week 12-13",
])
def test_impossible_or_future_dates_are_no_birthday(text):
    assert pii.DATE not in pii.kinds(text, TODAY), text


@pytest.mark.parametrize("text", ["jan@zorg.nl", "j.jansen+werk@mail.example.com", "A_B@sub.domain.org"])
def test_email_addresses(text):
    assert pii.kinds(f"mail {text}", TODAY) == [pii.EMAIL]


def test_several_kinds_and_their_order():
    text = "Mevr. X, bsn 123456782, geb. 12-03-1958, tel 0612345678, mail x@y.nl"
    found = pii.find(text, TODAY)
    assert [f.kind for f in found] == [pii.BSN, pii.DATE, pii.EMAIL, pii.PHONE]
    assert [f.text for f in found] == ["123456782", "12-03-1958", "x@y.nl", "0612345678"]


def test_numbers_next_to_each_other_are_each_found():
    assert [f.kind for f in pii.find("0612345678 123456782", TODAY)] == [pii.BSN, pii.PHONE]
    assert [f.kind for f in pii.find("12-03-1958 0612345678", TODAY)] == [pii.DATE, pii.PHONE]


def test_new_findings_ignore_what_was_already_there():
    before = "bsn 123456782"
    assert pii.new_findings("bsn 123456782 en meer tekst", before, TODAY) == []
    assert [f.kind for f in pii.new_findings("bsn 123456782, x@y.nl", before, TODAY)] == [pii.EMAIL]
    assert [f.kind for f in pii.new_findings("bsn 111222333", before, TODAY)] == [pii.BSN]
