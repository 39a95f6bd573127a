"""Stop a thread of this Python program that is blocked in a call.

Works when the program runs with libthreadstop.so preloaded (``threadstop run -- python3
prog.py``, or ``python3 -m threadstop prog.py``); the program needs no other change.  A
stopped thread gets one exception at its blocking call:

- I/O calls (``sock.accept()``, ``recv``, ``os.read``, ``time.sleep``, ``select``,
  ``input()``, ``subprocess`` waits...) raise ``OSError`` with errno ``ECANCELED``;
- lock, event, condition, semaphore and queue waits raise :class:`Stopped`, a subclass of
  ``OSError`` with the same errno, so one ``except OSError`` handles every stopped call;
- a forced stop raises :class:`Forced`, a ``BaseException`` that ``except Exception`` does
  not catch, so the thread unwinds and ends.

After the exception the thread runs normally again (it can block again, and be stopped
again).  See the README for the calls CPython cannot interrupt.
"""
import ctypes as _ctypes
import sys as _sys
import threading as _threading

__all__ = ['Stopped', 'Forced', 'NotLoaded', 'available', 'stop']

# One set of classes per interpreter: the shim defines them from the same source
# (_exc.py) when a stop comes first, and finds these when the module was imported first.
_m = _sys.modules.get('_threadstop')
if _m is None:
    from . import _exc as _m
    _sys.modules['_threadstop'] = _m
Stopped = _m.Stopped
Forced = _m.Forced
del _m

THREAD_STOP_FORCE = 1  # include/threadstop.h


class NotLoaded(RuntimeError):
    """libthreadstop.so is not loaded in this process."""

    __module__ = 'threadstop'


def _api():
    try:
        f = _ctypes.CDLL(None, use_errno=True).thread_stop_tid
    except AttributeError:
        return None
    f.argtypes = [_ctypes.c_int, _ctypes.c_uint]
    f.restype = _ctypes.c_int
    return f


def available():
    """True when libthreadstop.so is loaded in this process, so that stop() works."""
    return _api() is not None


def stop(thread, force=False):
    """Stop ``thread`` (a started threading.Thread of this process, or its native id).

    The call the thread is blocked in raises (see the module's documentation); a thread
    that is not blocked gets the exception at its next blocking call.  With
    ``force=True`` it raises :class:`Forced` instead.  Returns None; raises
    :class:`NotLoaded` when the library is not loaded, ``ProcessLookupError`` when the
    thread has ended or is unknown to the library, ``ValueError`` for a thread that
    was never started.
    """
    f = _api()
    if f is None:
        raise NotLoaded('libthreadstop.so is not loaded in this process: run the program '
                        'with `threadstop run -- CMD` or `python3 -m threadstop CMD`')
    if isinstance(thread, int):
        tid = thread
    else:
        tid = getattr(thread, 'native_id', None)
        if tid is None:
            raise ValueError('%r has not been started' % (thread,))
    if f(tid, THREAD_STOP_FORCE if force else 0) != 0:
        err = _ctypes.get_errno() or 3
        raise ProcessLookupError(err, 'no such thread in this process: %r' % (thread,))
