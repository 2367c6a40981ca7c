#!/bin/bash
# A: undo without the engine refresh (the code before 37631bd), B: `ccc batch undo` (refresh after undo);
# each followed by `ccc evaluate` of the 10 contracts x 24 months; whole processes, rotating order.
G=/work/main/bench/out/engine-candidate-1000000
PY=/work/main/.venv/bin/python
CCC=/work/main/.venv/bin/ccc
run() { # $1 = A|B
  rm -rf /tmp/uab && cp -r $G /tmp/uab && cd /tmp/uab
  load=$(cut -d' ' -f1 /proc/loadavg)
  s=$(date +%s.%N)
  if [ $1 = A ]; then
    /usr/bin/time -f "%e %U %S" -o /tmp/t1 $PY -c "from ccc_governance.store.db import open_db; from ccc_governance.store.batches import undo_batch; undo_batch(open_db('ccc.db'), 2)"
  else
    /usr/bin/time -f "%e %U %S" -o /tmp/t1 $CCC batch undo 2 > /dev/null
  fi
  /usr/bin/time -f "%e %U %S" -o /tmp/t2 $CCC evaluate --from 2025-01-01 --to 2026-12-31 --as-of 2027-02-15 > /dev/null
  echo "$1 load=$load undo=$(cat /tmp/t1) evaluate=$(cat /tmp/t2)"
}
for r in 1 2 3; do
  if [ $((r % 2)) = 1 ]; then run A; run B; else run B; run A; fi
done
