import io

import pytest

from ccc_governance.errors import SourceError
from ccc_governance.readers import FormatCheck, attribute_flag, attribute_score


def test_format_check_refuses_a_file_with_nothing_recognised():
    check = FormatCheck("f.json", "Things", "a thingId", limit=3)
    check.unreadable(2, '{"other": 1}')
    check.unreadable(3, "x")
    for n in (1, 2, 3):
        check.seen(n)  # not yet: the limit has not gone by
    with pytest.raises(SourceError, match=r"""f.json:2: does not look like Things: line 2 is '\{"other": 1\}' and none of the first 3 objects has a thingId"""):
        check.seen(4)


def test_one_recognised_record_makes_the_file_acceptable():
    check = FormatCheck("f.json", "Things", "a thingId", limit=3)
    check.unreadable(1, "damaged first line")
    check.recognised()
    check.seen(100)
    check.finish()  # nothing raised: the damaged line is an ordinary quarantined row


def test_short_file_with_nothing_recognised_is_refused_at_the_end():
    check = FormatCheck("f.json", "Things", "a thingId")
    check.unreadable(1, "{}")
    with pytest.raises(SourceError):
        check.finish()


def test_a_file_that_is_not_json_is_refused_at_once():
    check = FormatCheck("queue_log", "Things", "a thingId")
    fh = io.BytesIO(b"1790794783|NONE|NONE|NONE|QUEUESTART|\n")
    with pytest.raises(SourceError, match=r"line 1 is '1790794783\|NONE.*\(expected JSON things\)"):
        check.starts_as_json(fh, "JSON things")
    ok = io.BytesIO(b'\xef\xbb\xbf  [{"a": 1}]')
    FormatCheck("x", "Things", "a thingId").starts_as_json(ok, "JSON things")
    assert ok.tell() == 0  # rewound for the reader


@pytest.mark.parametrize("value,flag", [(True, True), ("true", True), ("Oui", True), (1, True), ("0", False),
                                        ("no", False), (False, False), (2, None), ("maybe", None), (None, None)])
def test_attribute_flag(value, flag):
    assert attribute_flag(value) is flag


def test_attribute_score():
    assert [attribute_score(v) for v in ("5", 4, "4,5", " 3 ", "", None, "n/a", True)] == [5.0, 4.0, 4.5, 3.0, None, None, None, None]
