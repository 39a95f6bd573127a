#!/usr/bin/env python3
"""The cost of the shim to a Python program with no stop requested.

bench/python.py --lib LIB [--python PY]... [--runs N] [--quick] [--md FILE]

Workloads (each timed inside the interpreter, start-up excluded):
  thread-start  start and join 2,000 threading.Threads (the shim's pthread_create
                wrapper reads each Thread.name for the OS name); run a third time,
                interleaved too, with THREADSTOP_PYTHON_NAMES=0 (no names)
  queue-pingpong 20,000 round trips between two threads through two queue.Queue (lock
                waits: sem_wait, sem_clockwait and the GIL's condition waits, interposed)
Each runs with and without LD_PRELOAD=LIB, interleaved, N times; the figure is the ratio
of the medians of the process's CPU time (all its threads): the shim's cost is CPU work,
and on a shared machine wall time mostly measures the scheduler (it is shown too).  The
range is that of the N ratios of one shim run to the plain run next to it.
Target: CPU ratio <= 1.03.  Prints TAP, and a markdown section with --md.
"""
import argparse
import os
import statistics
import subprocess
import sys

THREAD_START = r'''
import threading, time
def f(): pass
n = %d
c0, w0 = time.process_time(), time.perf_counter()
for i in range(n):
    t = threading.Thread(target=f, name="worker-%%d" %% i)
    t.start()
    t.join()
print(time.process_time() - c0, time.perf_counter() - w0)
'''

PINGPONG = r'''
import queue, threading, time
n = %d
a, b = queue.Queue(), queue.Queue()
def echo():
    for _ in range(n):
        b.put(a.get())
t = threading.Thread(target=echo)
t.start()
c0, w0 = time.process_time(), time.perf_counter()
for i in range(n):
    a.put(i)
    b.get()
c, w = time.process_time() - c0, time.perf_counter() - w0
t.join()
print(c, w)
'''


def run(py, src, env):
    out = subprocess.run([py, '-c', src], env=env, stdout=subprocess.PIPE, check=True, timeout=600)
    return [float(x) for x in out.stdout.split()]  # process CPU time, wall time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--lib', required=True)
    ap.add_argument('--python', action='append')
    ap.add_argument('--runs', type=int, default=9)
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--md')
    a = ap.parse_args()
    pys = a.python or ['/usr/bin/python3.11']
    runs = 3 if a.quick else a.runs
    scale = 10 if a.quick else 1
    plain = dict(os.environ)
    plain.pop('LD_PRELOAD', None)
    plain.pop('THREADSTOP_PYTHON_NAMES', None)
    shim = dict(plain, LD_PRELOAD=a.lib)
    nonames = dict(shim, THREADSTOP_PYTHON_NAMES='0')
    # (name, source, the shim's variants: row name suffix and environment)
    work = [('thread-start', THREAD_START % (2000 // scale), [('', shim), (', no names', nonames)]),
            ('queue-pingpong', PINGPONG % (20000 // scale), [('', shim)])]
    rows = []
    n = 0
    for py in pys:
        if not os.access(py, os.X_OK):
            n += 1
            print('ok %d - # SKIP %s not installed' % (n, py))
            continue
        ver = subprocess.run([py, '-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'],
                             stdout=subprocess.PIPE, check=True).stdout.decode().strip()
        for name, src, variants in work:
            p, s = [], [[] for _ in variants]
            for _ in range(runs):  # interleaved: the machine's load hits all alike
                p.append(run(py, src, plain))
                for i, (_, env) in enumerate(variants):
                    s[i].append(run(py, src, env))
            mp = statistics.median(x[0] for x in p)
            wp = statistics.median(x[1] for x in p)
            for (suffix, _), sv in zip(variants, s):
                ms, ws = statistics.median(x[0] for x in sv), statistics.median(x[1] for x in sv)
                pr = [x[0] / y[0] for x, y in zip(sv, p)]
                ratio = ms / mp
                rows.append((py, ver, name + suffix, mp, ms, ratio, min(pr), max(pr), ws / wp))
                n += 1
                print('ok %d - %s %s: CPU plain %.3f s, shim %.3f s, ratio %.3f (runs %.2f to %.2f; wall ratio %.3f)%s' % (
                    n, ver, name + suffix, mp, ms, ratio, min(pr), max(pr), ws / wp,
                    '' if a.quick or ratio <= 1.03 else ' # MISSED target 1.03'))
    print('1..%d' % n)
    if a.md:
        with open(a.md, 'a') as f:
            f.write('## 7. Python programs, no stop requested (`bench/python.py`)\n\n')
            f.write('Median of %d runs each, plain and under the shim interleaved, measured in the\n'
                    'interpreter (start-up excluded): the process\'s CPU time (all threads), which is\n'
                    'where the shim\'s cost is; the wall-time ratio is shown too, but on this shared\n'
                    'machine it mostly measures the scheduler.  thread-start: 2,000 `Thread.start()` +\n'
                    '`join()` (each new thread gets its `Thread.name`; "no names":\n'
                    '`THREADSTOP_PYTHON_NAMES=0`); queue-pingpong: 20,000 round trips through two\n'
                    '`queue.Queue`.  Runs: the range of the ratios of one shim run to the plain run\n'
                    'next to it.  Target: CPU ratio <= 1.03.\n\n' % runs)
            f.write('| interpreter | workload | CPU plain | CPU shim | ratio | runs | wall ratio |\n'
                    '|---|---|---|---|---|---|---|\n')
            for py, ver, name, mp, ms, ratio, lo, hi, wr in rows:
                f.write('| %s (`%s`) | %s | %.3f s | %.3f s | %.3f%s | %.2f to %.2f | %.3f |\n' % (
                    ver, py.replace(os.path.expanduser('~'), '~'), name, mp, ms, ratio,
                    '' if ratio <= 1.03 else ' MISSED', lo, hi, wr))
            f.write('\n')


if __name__ == '__main__':
    main()
