"""The tolerant CSV reader: headers, delimiters, encodings, values and time zones."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ccc_governance.errors import SourceError
from ccc_governance.readers import (FieldError, Table, normalise, parse_bool, parse_channel, parse_count,
                                    parse_float, parse_int)

COLUMNS = {"ticket_id": ("id", "reference"), "received_at": ("date_received",), "upheld": (), "score": ("note",)}


def table(tmp_path, text, *, file_encoding="utf-8", **options):
    path = tmp_path / "file.csv"
    path.write_bytes(text.encode(file_encoding))
    return Table(path, options, COLUMNS, required=("ticket_id",))


def test_header_aliases_in_any_case_and_punctuation(tmp_path):
    t = table(tmp_path, "Reference;Date Received;UPHELD;Other\nR1;2026-10-05 09:30;oui;x\n", timezone="Europe/Paris")
    (row,) = t.rows()
    assert t.headers == {"ticket_id": "Reference", "received_at": "Date Received", "upheld": "UPHELD"}
    assert row.values == {"ticket_id": "R1", "received_at": "2026-10-05 09:30", "upheld": "oui"}
    assert row.instant("received_at") == datetime(2026, 10, 5, 7, 30, tzinfo=timezone.utc)
    assert row.get("upheld", parse_bool) is True
    assert normalise(" Date-Received (UTC) ") == "date_received_utc"


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path, sep):
    rows = list(table(tmp_path, f"id{sep}note\nA{sep}4.5\n\nB{sep}\n").rows())
    assert [(r.line, r.text("ticket_id"), r.text("score")) for r in rows] == [(2, "A", "4.5"), (4, "B", None)]


def test_delimiter_option_bom_and_other_encodings(tmp_path):
    (row,) = table(tmp_path, "\ufeffid;note\nA;4,5\n", delimiter="semicolon").rows()
    assert (row.text("ticket_id"), row.get("score", parse_float)) == ("A", 4.5)
    (row,) = table(tmp_path, "id,note\nÉ1,3\n", file_encoding="cp1252", encoding="cp1252").rows()
    assert row.text("ticket_id") == "É1"
    with pytest.raises(SourceError, match="not utf-8-sig text"):
        list(table(tmp_path, "id,note\nÉ1,3\n", file_encoding="cp1252").rows())
    with pytest.raises(SourceError, match="option delimiter"):
        table(tmp_path, "id\n1\n", delimiter="#")


def test_file_and_row_problems(tmp_path):
    with pytest.raises(SourceError, match="missing required column ticket_id .also accepted: ticket_id: id, reference"):
        list(table(tmp_path, "note\n1\n").rows())
    with pytest.raises(SourceError, match="the file is empty"):
        list(table(tmp_path, "\n\n").rows())
    with pytest.raises(SourceError, match="both mean ticket_id"):
        list(table(tmp_path, "id,reference\n1,2\n").rows())
    short, bad = table(tmp_path, "id,note\nA\nB,x\n").rows()
    assert short.error == "has 1 fields, the header has 2"
    with pytest.raises(FieldError, match="note 'x': is not a number"):
        bad.get("score", parse_float)
    with pytest.raises(FieldError, match="note is empty"):
        table(tmp_path, "id,note\nA,\n").rows().__next__().text("score", required=True)


def test_local_times_need_a_zone_and_must_exist(tmp_path):
    t = table(tmp_path, "id\n1\n", timezone="Europe/Paris")
    assert t.parse_instant("2026-10-25 02:30") == datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)  # first 02:30
    assert t.parse_instant("2026-10-05") == datetime(2026, 10, 4, 22, 0, tzinfo=timezone.utc)
    assert t.parse_instant("2026-10-05T09:30:00 +02:00").utcoffset().total_seconds() == 7200
    with pytest.raises(FieldError, match="clocks went forward"):
        t.parse_instant("2026-03-29 02:30")
    with pytest.raises(FieldError, match="has no UTC offset"):
        table(tmp_path, "id\n1\n").parse_instant("2026-10-05 09:30")
    with pytest.raises(SourceError, match="not a time zone name"):
        table(tmp_path, "id\n1\n", timezone="Mars/Olympus")
    custom = table(tmp_path, "id\n1\n", timezone="UTC", datetime_format="%d/%m/%Y %H:%M")
    assert custom.parse_instant("05/10/2026 09:30") == datetime(2026, 10, 5, 9, 30, tzinfo=timezone.utc)


def test_value_parsers():
    assert [parse_bool(v) for v in ("Oui", "NON", "y", "0", "vrai", "X")] == [True, False, True, False, True, True]
    with pytest.raises(FieldError):
        parse_bool("maybe")
    assert (parse_float("4,5"), parse_float("85 %"), parse_float("1\u00a0200")) == (4.5, 0.85, 1200.0)
    assert (parse_int("12.0"), parse_count("0")) == (12, 0)
    for parse, text in ((parse_int, "1.5"), (parse_count, "-1"), (parse_float, "nan"), (parse_float, "abc")):
        with pytest.raises(FieldError):
            parse(text)
    assert (parse_channel("Téléphone"), parse_channel("Webchat"), parse_channel("Fax")) == ("voice", "chat", "fax")
