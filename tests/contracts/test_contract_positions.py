"""The key-line finder that gives tomllib's data its line numbers."""

from __future__ import annotations

from ccc_governance.contracts.positions import key_lines, line_of

TEXT = """\
schema = "x"        # 1
[contract]          # 2
id = "a"
"quoted.key" = 1
[[kpi]]             # 5
id = "k1"
notes = '''
fake = 1
'''
[[kpi.schedule]]    # 10
from = 2027-01-01
[[kpi]]             # 12
id = "k2"
hours = { mon = ["08:00-20:00"], tue = [] }
list = [
  "a", # ] not the end
  "[b]",
]
x.y = 1             # 19
[[kpi.schedule]]    # 20
target = 1
"""


def test_key_lines():
    lines = key_lines(TEXT)
    assert lines[("schema",)] == 1
    assert lines[("contract", "id")] == 3
    assert lines[("contract", "quoted.key")] == 4
    assert lines[("kpi", 0)] == 5 and lines[("kpi", 1)] == 12
    assert ("kpi", 0, "fake") not in lines  # inside a multi-line string
    assert lines[("kpi", 0, "schedule", 0, "from")] == 11
    assert lines[("kpi", 1, "hours", "mon")] == 14
    assert lines[("kpi", 1, "list")] == 15
    assert lines[("kpi", 1, "x", "y")] == 19
    assert lines[("kpi", 1, "schedule", 0, "target")] == 21


def test_line_of_falls_back_to_the_nearest_written_ancestor():
    lines = key_lines(TEXT)
    assert line_of(lines, ("kpi", 1, "list", 2)) == 15
    assert line_of(lines, ("kpi", 1, "missing")) == 12
    assert line_of(lines, ("nothing",)) is None
