"""Whole-process import benchmark of the platform plugins (queue_log, CTR, Genesys), run by hand.

    .venv/bin/python bench/platform_bench.py --baseline-python /work/bench-base/.venv/bin/python

`bench/import_bench.py` with `--sources asterisk-queue-log,amazon-connect,genesys-cloud` as
default (every option is the same: `--n`, `--pairs`, `--sources genesys-cloud` for one …): for
each format, N synthetic contacts (`generators.py`: queue_log 3 lines a call, calls interleaving;
CTR one compact object per line; Genesys the API wrapper, one conversation per line), the whole
`ccc import` process as by default and in one process, interleaved with the sqlite3 shell's
`.import` of the very contacts the import stores (dumped as CSV). The three formats at 1M
contacts and 3 rounds take well over 30 minutes on 2 cores (the refresh of the three contracts
after each batch is most of it); `--sources genesys-cloud:300000` is the short run.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import PLATFORMS, main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv[1:], default_sources=",".join(PLATFORMS))
