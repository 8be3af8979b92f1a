#!/usr/bin/python3
"""quarters.py START DAYS CHANNEL=VALUE...: a CSV of 15-minute history for
`dcscore import`, DAYS x 96 + 1 rows from START (a local date), each channel at
its constant value: the shell tests' hand-computable stores."""
import sys
from datetime import datetime, timedelta

start = datetime.strptime(sys.argv[1], "%Y-%m-%d")
days = int(sys.argv[2])
cols = [a.split("=", 1) for a in sys.argv[3:]]
print("time," + ",".join(c for c, _ in cols))
for k in range(days * 96 + 1):
    t = start + timedelta(minutes=15 * k)
    print(t.strftime("%Y-%m-%d %H:%M:%S") + "," + ",".join(v for _, v in cols))
