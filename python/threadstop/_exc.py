# The exceptions threadstop raises in a Python thread.  libthreadstop.so compiles this
# file in (preload/python.c) and defines the classes from it when a stop reaches a
# program that never imported threadstop, so it imports nothing but built-in modules.
import errno as _errno


class Stopped(OSError):
    """A blocking call of this thread was stopped by threadstop.

    An OSError with errno ECANCELED, like the I/O calls threadstop stops, so that one
    ``except OSError`` handles every stopped call.  Raised by lock, event, condition,
    semaphore and queue waits; I/O calls raise a plain OSError(ECANCELED).
    """

    __module__ = 'threadstop'

    def __init__(self, *args):
        super().__init__(*(args or (_errno.ECANCELED, 'Operation canceled')))
        _raised(self)


class Forced(BaseException):
    """threadstop forced this thread to stop (``threadstop stop --force``).

    A BaseException, like SystemExit: ``except Exception`` does not catch it, so the
    thread unwinds (its ``finally`` blocks and context managers run) and ends.  Raised
    at the blocked call (after the call's ``OSError`` for an I/O call) and again at the
    thread's later blocking calls until it ends (at most 8 times again: a thread that
    catches it in a loop then blocks normally).
    """

    __module__ = 'threadstop'

    def __init__(self, *args):
        super().__init__(*(args or ('thread forced to stop by threadstop',)))
        _raised(self)


def _thread_ended(unraisable):
    # The shim's sys.unraisablehook calls this for an exception it armed that ended a
    # thread outside threading's own handler (raised as it called threading.excepthook,
    # which 3.11 and later can do: they check for an armed exception only when a call
    # begins or returns).  threading.excepthook gets it, as any exception ending a thread.
    import threading
    thread = getattr(unraisable.object, '__self__', None)  # Thread._bootstrap (3.8-3.12)
    tb = unraisable.exc_traceback
    while not isinstance(thread, threading.Thread) and tb is not None:  # 3.13: its frame
        thread = tb.tb_frame.f_locals.get('self')
        tb = tb.tb_next
    if not isinstance(thread, threading.Thread):
        thread = None
    threading.excepthook(threading.ExceptHookArgs(
        [unraisable.exc_type, unraisable.exc_value, unraisable.exc_traceback, thread]))


def _raised(exc):
    # The shim sets _threadstop_raised on the classes: it learns that the exception it
    # armed in this thread is being raised, and says whether it armed this one (its
    # sys.unraisablehook arms such an exception again if CPython cannot propagate it).
    hook = getattr(type(exc), '_threadstop_raised', None)
    if hook is not None and hook():
        exc._threadstop_armed = True
