"""python3 -m threadstop CMD [ARGS...]: run CMD under libthreadstop.so, as `threadstop run`.

CMD may be a Python script (``prog.py``) or ``-m MODULE``: it then runs with this
interpreter.  The command ``threadstop`` is used when it is found (THREADSTOP_CLI, the
PATH, or a build tree next to this package); otherwise the library THREADSTOP_LIB is
preloaded directly.
"""
import os
import shutil
import sys

USAGE = __doc__.split('\n', 1)[0]


def _candidates(name):
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.dirname(os.path.dirname(here))  # a checkout: python/threadstop/..
    return [os.path.join(top, 'build', sub, name) for sub in ('cli', 'preload')]


def main(argv):
    if argv[:1] == ['--']:
        argv = argv[1:]
    if not argv or argv[0] in ('-h', '--help'):
        print(USAGE + '\n\n' + __doc__.split('\n', 2)[2], file=sys.stderr if not argv else sys.stdout)
        return 2 if not argv else 0
    if argv[0] == '-m' or argv[0].endswith('.py'):
        argv = [sys.executable] + argv
    cli = os.environ.get('THREADSTOP_CLI') or shutil.which('threadstop')
    if not cli:
        cli = next((c for c in _candidates('threadstop') if os.access(c, os.X_OK)), None)
    if cli:
        os.execv(cli, [cli, 'run', '--'] + argv)
    lib = os.environ.get('THREADSTOP_LIB') or next(
        (c for c in _candidates('libthreadstop.so') if os.path.exists(c)), None)
    if not lib:
        print('threadstop: neither the threadstop command nor libthreadstop.so was found; '
              'set THREADSTOP_CLI or THREADSTOP_LIB', file=sys.stderr)
        return 127
    pre = os.environ.get('LD_PRELOAD')
    os.environ['LD_PRELOAD'] = lib + (' ' + pre if pre else '')
    try:
        os.execvp(argv[0], argv)
    except OSError as e:
        print('threadstop: cannot execute %s: %s' % (argv[0], e.strerror), file=sys.stderr)
        return 127


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
