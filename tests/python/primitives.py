# Every blocking primitive of the issue, in one CPython process under the shim, stopped
# through the threadstop module: plain and forced, in a worker thread and (for a subset) in
# the main thread.  Prints TAP.  Run by tests/python/run.sh with each interpreter found.
#
# Per case it asserts: the exception the thread gets at its blocked call (OSError with
# errno ECANCELED for I/O, threadstop.Stopped for lock waits, threadstop.Forced when
# forced), that the case's finally block ran, that the traceback shows the source line of
# the blocked call (the stopped thread can read files again), that join() returns, and
# that the thread can block again and be stopped again.
import ctypes
import errno
import gc
import linecache
import os
import queue
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
import traceback

import threadstop

N = 0
FAILED = 0
MAIN = threading.main_thread()


def tap(ok, name, why=''):
    global N, FAILED
    N += 1
    FAILED += not ok
    print('%s %d - %s%s' % ('ok' if ok else 'not ok', N, name, '' if ok else ': ' + why), flush=True)


def state(tid):
    try:
        with open('/proc/self/task/%d/stat' % tid) as f:
            return f.read().rsplit(')', 1)[1].split()[0]
    except OSError:
        return 'gone'


def wait_blocked(tid):
    """Until the thread sleeps (three looks in a row); a stop that lands earlier is kept
    until its next blocking call, so this only needs to be usually right."""
    n = 0
    for _ in range(1000):
        s = state(tid)
        if s == 'gone':
            return
        n = n + 1 if s == 'S' else 0
        if n >= 3:
            return
        time.sleep(0.02)


# Resources the cases block on; released at the end so nothing leaks.
HELD = threading.Lock()
HELD.acquire()
RHELD = threading.RLock()
GATE = threading.Event()
CHILDREN = []


def rlock_holder():
    with RHELD:
        GATE.wait()


def forever():
    GATE.wait()


def child(**kw):
    p = subprocess.Popen(['sleep', '600'], **kw)
    CHILDREN.append(p)
    return p


def c_accept():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    s.listen(1)
    try:
        s.accept()
    finally:
        s.close()


def c_accept_timeout():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    s.listen(1)
    s.settimeout(60)
    try:
        s.accept()
    finally:
        s.close()


def c_recv():
    a, b = socket.socketpair()
    try:
        a.recv(1)
    finally:
        a.close()
        b.close()


def c_sleep():
    time.sleep(600)


def c_select():
    r, w = os.pipe()
    try:
        select.select([r], [], [])
    finally:
        os.close(r)
        os.close(w)


def c_select_timeout():
    r, w = os.pipe()
    try:
        select.select([r], [], [], 60)
    finally:
        os.close(r)
        os.close(w)


def c_os_read():
    r, w = os.pipe()
    try:
        os.read(r, 1)
    finally:
        os.close(r)
        os.close(w)


def c_lock():
    HELD.acquire()


def c_lock_timeout():
    HELD.acquire(timeout=60)


def c_rlock():
    RHELD.acquire()


class Holder:
    def __init__(self):
        self._lock = HELD


def c_lock_attr():
    Holder()._lock.acquire(blocking=True)  # an attribute, a keyword call


def c_lock_star():
    lock, args = HELD, (True, -1)
    lock.acquire(*args)  # a local, CALL_FUNCTION_EX


def c_with_lock():
    with HELD:
        pass


def c_with_rlock():
    with RHELD:
        pass


def c_event():
    threading.Event().wait()


def c_event_timeout():
    threading.Event().wait(60)


def c_condition():
    c = threading.Condition()
    with c:
        c.wait()


def c_condition_timeout():
    c = threading.Condition()
    with c:
        c.wait(60)


def c_semaphore():
    threading.Semaphore(0).acquire()


def c_semaphore_timeout():
    threading.Semaphore(0).acquire(timeout=60)


def c_queue_get():
    queue.Queue().get()


def c_queue_get_timeout():
    queue.Queue().get(timeout=60)


def c_queue_put():
    q = queue.Queue(1)
    q.put(1)
    q.put(2)


def waiting_thread():
    # A fresh one per case: in 3.9 to 3.12 an exception in join() marks the joined
    # thread stopped (CPython's bpo-45274 handler, as with Ctrl-C).
    t = threading.Thread(target=forever, daemon=True)
    t.start()
    return t


def c_join():
    waiting_thread().join()


def c_join_timeout():
    waiting_thread().join(60)


def c_input():
    input()


def c_readline():
    sys.stdin.readline()


def c_popen_wait():
    child().wait()


def c_communicate():
    child(stdout=subprocess.PIPE).communicate()


def c_sigwait():
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    signal.sigwait({signal.SIGUSR1})


IO = 'io'
LOCK = 'lock'
# (name, function, kind, in the main thread too)
CASES = [
    ('sock.accept', c_accept, IO, True),
    ('sock.accept(timeout)', c_accept_timeout, IO, False),
    ('sock.recv', c_recv, IO, False),
    ('time.sleep', c_sleep, IO, True),
    ('select.select', c_select, IO, False),
    ('select.select(timeout)', c_select_timeout, IO, False),
    ('os.read', c_os_read, IO, False),
    ('Event.wait', c_event, LOCK, True),
    ('Event.wait(60)', c_event_timeout, LOCK, True),
    ('Condition.wait', c_condition, LOCK, True),
    ('Condition.wait(60)', c_condition_timeout, LOCK, False),
    ('Semaphore.acquire', c_semaphore, LOCK, True),
    ('Semaphore.acquire(timeout=60)', c_semaphore_timeout, LOCK, False),
    ('Queue.get', c_queue_get, LOCK, True),
    ('Queue.get(timeout=60)', c_queue_get_timeout, LOCK, True),
    ('Queue.put', c_queue_put, LOCK, False),
    ('Lock.acquire', c_lock, LOCK, True),
    ('Lock.acquire(timeout=60)', c_lock_timeout, LOCK, True),
    ('self._lock.acquire(blocking=True)', c_lock_attr, LOCK, False),
    ('lock.acquire(*args)', c_lock_star, LOCK, False),
    ('RLock.acquire', c_rlock, LOCK, True),
    ('input()', c_input, IO, False),
    ('sys.stdin.readline', c_readline, IO, False),
    ('Popen.wait', c_popen_wait, IO, False),
    ('Popen.communicate', c_communicate, IO, False),
    ('signal.sigwait', c_sigwait, IO, False),
]
CASES += [
    ('Thread.join', c_join, LOCK, True),
    ('Thread.join(60)', c_join_timeout, LOCK, True),
    ('with Lock', c_with_lock, LOCK, True),
    ('with RLock', c_with_rlock, LOCK, True),
]


def expected(kind, force):
    if force and kind == LOCK:
        return threadstop.Forced
    return threadstop.Stopped if kind == LOCK else OSError


def run_case(fn, kind, force, record):
    """The body of a stopped thread: block in fn, record what happened."""
    try:
        try:
            fn()
            record['returned'] = True
        finally:
            record['finally'] = True
    except BaseException as e:
        record['exc'] = e
        linecache.clearcache()  # the traceback must read the source file now
        record['frames'] = traceback.extract_tb(e.__traceback__)
        if force and kind == IO:
            raise  # Forced comes at the next check (README): let it end the thread
    # The thread runs normally again: it can read files and block again.
    record['after'] = len(open(__file__).read()) > 0


def check(name, kind, force, record, ended, escaped):
    exc = record.get('exc')
    want = expected(kind, force)
    if not ended:
        return tap(False, name, 'still alive after the stop (record %r)' % (record,))
    if record.get('returned'):
        return tap(False, name, 'the blocked call returned')
    if force and kind == IO:
        # OSError(ECANCELED) at the call, then Forced at the interpreter's next check
        # (which may come inside the case's own finally block).
        if isinstance(exc, threadstop.Forced):
            escaped, exc = exc, None
        chain = escaped
        while exc is None and chain is not None:  # the OSError it interrupted
            chain = chain.__context__
            exc = chain if isinstance(chain, OSError) else None
        if not isinstance(exc, OSError) or exc.errno != errno.ECANCELED:
            return tap(False, name, 'got %r at the call, want OSError(ECANCELED)' % (exc,))
        if not isinstance(escaped, threadstop.Forced):
            return tap(False, name, 'Forced did not end the thread (%r)' % (escaped,))
    elif not isinstance(exc, want) or (want is not threadstop.Forced and exc.errno != errno.ECANCELED):
        return tap(False, name, 'got %r, want %s' % (exc, want.__name__))
    if not (force and kind == IO) and not record.get('finally'):
        return tap(False, name, 'finally did not run')
    frames = record.get('frames') or []
    mine = [f for f in frames if f.filename == __file__]
    if not (force and kind == IO) and (not mine or not all(f.line for f in mine)):
        return tap(False, name, 'traceback without source lines: %r' % (frames,))
    if not (force and kind == IO) and not record.get('after'):
        return tap(False, name, 'the thread could not read a file after the stop')
    tap(True, name)


def worker_case(name, fn, kind, force):
    record = {}
    escaped = []
    t = threading.Thread(target=run_case, args=(fn, kind, force, record), name='case')
    t.start()
    wait_blocked(t.native_id)
    threadstop.stop(t, force=force)
    t.join(30)
    escaped = ESCAPED.pop(t.ident, None)
    check('%s %s (worker)' % ('force' if force else 'stop', name), kind, force, record, not t.is_alive(), escaped)


def main_case(name, fn, kind, force):
    record = {}

    def stopper():
        wait_blocked(MAIN.native_id)
        threadstop.stop(MAIN, force=force)

    s = threading.Thread(target=stopper)
    s.start()
    escaped = []

    def step(f):
        try:
            f()
        except threadstop.Forced as e:
            escaped.append(e)
            CLEAR()  # a forced thread's later lock waits raise Forced again: go on
        except OSError:
            if not (force and kind == IO):
                raise

    step(lambda: run_case(fn, kind, force, record))
    if force:
        CLEAR()  # a forced thread's later lock waits raise Forced again: go on
    for _ in range(3):  # a Forced armed and not raised yet comes at the next check
        step(lambda: time.sleep(0.01))
    step(lambda: s.join(30))
    escaped = escaped[0] if escaped else None
    check('%s %s (main thread)' % ('force' if force else 'stop', name), kind, force, record, True, escaped)


ESCAPED = {}
CLEAR = ctypes.CDLL(None).thread_stop_clear


def hook(args):
    ESCAPED[args.thread.ident] = args.exc_value


def retried(name, fn, release):
    """Worker thread in a wait the shim lets CPython retry: the Stopped exception comes
    once the wait ends (release() ends it), never a return."""
    record = {}
    t = threading.Thread(target=run_case, args=(fn, LOCK, False, record))
    t.start()
    wait_blocked(t.native_id)
    threadstop.stop(t)
    time.sleep(0.3)
    blocked = t.is_alive() and not record
    release()
    t.join(30)
    ok = blocked and not t.is_alive() and isinstance(record.get('exc'), threadstop.Stopped)
    tap(ok, 'stop %s (worker): raises Stopped once the wait ends (CPython retries it)' % name,
        repr((blocked, record)))


def retried_cases():
    """A wait CPython retries in C without running pending calls: a buffered file's lock,
    which a write holds while the pipe under it is full."""
    r, w = os.pipe()
    f = os.fdopen(w, 'wb')
    big = b'x' * (1 << 20)  # more than the pipe holds: the write blocks, holding the lock
    writer = threading.Thread(target=f.write, args=(big,))
    writer.start()
    wait_blocked(writer.native_id)

    def drain():
        n = 0
        while n < len(big):
            n += len(os.read(r, 1 << 16))
        writer.join(30)

    retried("a buffered file's lock", lambda: f.write(b'y'), drain)
    f.close()
    os.close(r)


def stop_and_join(target, force):
    """Start a thread on target, stop it once it blocks, and join it (a bounded wait)."""
    t = threading.Thread(target=target)
    t.start()
    wait_blocked(t.native_id)
    threadstop.stop(t, force=force)
    t.join(30)
    return t


def with_keeps_lock():
    """A stopped `with lock:` outside the main thread fails before its block: the lock
    stays its holder's, and the stopped thread's own id is its own again."""
    seen = {}

    def body():
        try:
            with HELD:
                seen['entered'] = True
        except threadstop.Stopped:
            seen['stopped'] = True
        seen['ident'] = threading.get_ident()
        seen['current'] = threading.current_thread()

    t = stop_and_join(body, False)
    still = not HELD.acquire(blocking=False)
    tap(not t.is_alive() and seen.get('stopped') and 'entered' not in seen and still and
        seen.get('ident') == t.ident and seen.get('current') is t,
        'stop `with Lock` (worker): fails before the block, the lock stays held, the thread\'s id is its own',
        repr((seen, still)))


def reforced():
    """A forced thread that blocks again in its finally blocks gets Forced there too and
    ends; one that catches Forced and waits again in a loop gets it a bounded number of
    times, then waits normally (no spin)."""
    seen = []

    def body():
        try:
            try:
                queue.Queue().get()
            finally:
                seen.append('finally 1')
                HELD.acquire()  # a lock wait in a finally block
                seen.append('returned 1')
        finally:
            seen.append('finally 2')
            threading.Event().wait()  # and an event wait
            seen.append('returned 2')

    t = stop_and_join(body, True)
    tap(not t.is_alive() and seen == ['finally 1', 'finally 2'] and isinstance(ESCAPED.pop(t.ident, None), threadstop.Forced),
        'force: Forced again at the lock waits of finally blocks, and the thread ends', repr(seen))

    caught = []
    gate = threading.Event()

    def stubborn():
        while not gate.is_set():
            try:
                gate.wait()
            except threadstop.Forced:
                caught.append(1)

    t = threading.Thread(target=stubborn)
    t.start()
    wait_blocked(t.native_id)
    threadstop.stop(t, force=True)
    last, quiet = -1, 0
    for _ in range(300):  # until it sleeps with no new Forced for three looks in a row
        quiet = quiet + 1 if len(caught) == last and caught and state(t.native_id) == 'S' else 0
        if quiet >= 3:
            break
        last = len(caught)
        time.sleep(0.1)
    n = len(caught)
    gate.set()
    t.join(30)
    tap(not t.is_alive() and 1 < n <= 9, 'force: a thread that catches Forced and waits again gets it at most 9 times',
        'caught %d' % n)

    # Blocking I/O in the finally blocks of a forced thread: failed again (OSError, then
    # Forced), while a read of a regular file there still works.
    seen = []
    a_sock, b_sock = socket.socketpair()

    def io_body():
        try:
            try:
                queue.Queue().get()
            finally:
                seen.append(len(open(__file__).read()) > 0)  # a regular file: read
                a_sock.recv(10)  # a socket with nothing to read: Forced again
                seen.append('returned 1')
        finally:
            time.sleep(60)  # (3.8 to 3.10 may raise Forced before this line)
            seen.append('returned 2')

    t = stop_and_join(io_body, True)
    tap(not t.is_alive() and seen == [True] and isinstance(ESCAPED.pop(t.ident, None), threadstop.Forced),
        'force: Forced again at the blocking I/O of finally blocks (a file read passes), and the thread ends',
        repr(seen))
    a_sock.close()
    b_sock.close()

    # A forced I/O call with no handler in the thread: threading.excepthook gets Forced
    # (3.11 and later raise it as threading calls the hook, after the OSError).
    socks = []

    def unhandled():
        socks.append(socket.socket())  # (closed below: no Python code after the call)
        socks[0].bind(('127.0.0.1', 0))
        socks[0].listen(1)
        socks[0].accept()

    t = stop_and_join(unhandled, True)
    got = ESCAPED.pop(t.ident, None)
    tap(not t.is_alive() and isinstance(got, threadstop.Forced),
        'force: an unhandled forced I/O call: threading.excepthook gets Forced', repr(got))
    for s in socks:
        s.close()


class Node:
    pass


def gc_case(name, fill):
    """A stop whose exception a garbage collection run at the wrong moment would swallow:
    3.12 and later collect at the eval loop's check that raises it (3.8 to 3.11 at an
    allocation), and code the collection runs raises it instead.  fill(i, node) dresses
    the cyclic garbage.  The call must still raise, not return False."""
    record = {}

    def body():
        gc.disable()
        try:
            threadstop.stop(threading.current_thread())  # pending: the acquire meets it
            for i in range(5000):  # cyclic garbage, over any collection threshold
                n = Node()
                n.me = n
                fill(i, n)
            del n
            gc.enable()  # the shim's own allocations at the stop schedule a collection
            run_case(c_lock, LOCK, False, record)
        finally:
            gc.enable()

    t = threading.Thread(target=body)
    t.start()
    t.join(30)
    exc = record.get('exc')
    tap(not t.is_alive() and not record.get('returned') and isinstance(exc, threadstop.Stopped),
        'stop Lock.acquire (worker) %s: raises Stopped' % name, repr(record))


def gc_cases():
    # A weakref callback raises it (CPython reports it as unraisable).
    refs = []
    gc_case('while garbage is collected',
            lambda i, n: refs.append(weakref.ref(n, lambda r: None)))
    # An unclosed socket's finalizer formats its ResourceWarning with socket.__repr__
    # (Python code, where the exception is raised) and discards what that raises.
    gc_case('while a finalizer that drops exceptions runs',
            lambda i, n: setattr(n, 'sock', socket.socket()) if i % 100 == 0 else None)


def twice():
    """A stopped thread runs normally again: it blocks again and a second stop stops it."""
    results = []
    waits = []

    def body():
        for _ in range(2):
            try:
                waits.append(1)  # after the file read below: the next sleep is get()'s
                queue.Queue().get()
            except threadstop.Stopped as e:
                results.append(e)
                open(__file__).read()

    t = threading.Thread(target=body)
    t.start()
    for k in range(2):
        for _ in range(1000):
            if len(waits) > k:
                break
            time.sleep(0.01)
        wait_blocked(t.native_id)
        n = len(results)
        threadstop.stop(t)
        for _ in range(500):
            if len(results) > n or not t.is_alive():
                break
            time.sleep(0.01)
    t.join(30)
    tap(not t.is_alive() and len(results) == 2, 'a second stop stops the thread again', repr(results))


def main():
    threading.excepthook = hook
    r, w = os.pipe()  # stdin that never ends (input(), readline)
    os.dup2(r, 0)
    holder = threading.Thread(target=rlock_holder, daemon=True)
    holder.start()
    only = os.environ.get('TS_PY_CASES')
    for force in (False, True):
        for name, fn, kind, in_main in CASES:
            if only and only not in name:
                continue
            worker_case(name, fn, kind, force)
            if in_main:
                main_case(name, fn, kind, force)
    if not only:
        twice()
        reforced()
        gc_cases()
        with_keeps_lock()
        retried_cases()
    GATE.set()
    for p in CHILDREN:
        p.kill()
        p.wait()
    print('1..%d' % N)
    return 1 if FAILED else 0


if __name__ == '__main__':
    sys.exit(main())
