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
    at the blocked call and again at the thread's later lock, event, queue and join
    waits until it ends (at most 8 times again: a thread that catches it in a loop then
    waits normally).
    """

    __module__ = 'threadstop'

    def __init__(self, *args):
        super().__init__(*(args or ('thread forced to stop by threadstop',)))
        _raised(self)


def _raised(exc):
    # The shim sets _threadstop_raised on the classes: it learns that the exception it
    # armed in this thread is being raised, and says whether it armed this one (its
    # sys.unraisablehook arms such an exception again if CPython cannot propagate it).
    hook = getattr(type(exc), '_threadstop_raised', None)
    if hook is not None and hook():
        exc._threadstop_armed = True
