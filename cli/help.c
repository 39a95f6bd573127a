/* Every --help text of the threadstop command, in one place: `threadstop --help`,
 * `threadstop help CMD` and `threadstop CMD --help` print these, and the man pages are
 * written from them.  Each subcommand's text is complete: every option, the exit status. */
#include <string.h>
#include "cli.h"

#define EXIT_COMMON \
	"  2    usage error (the message says which)\n" \
	"  3    the process cannot be reached (no such process, a zombie, another user's,\n" \
	"       no control socket, another network namespace), it did not answer within\n" \
	"       --timeout,\n" \
	"       or its reply was malformed or over the limits\n"

#define TIMEOUT_OPT \
	"  --timeout=SECONDS\n" \
	"      One deadline for the whole command: connecting, every reply line, and\n" \
	"      (stop) the --wait that follows (default 10; 0 < SECONDS <= 86400).\n"

static const char overview[] =
	"usage: threadstop COMMAND [OPTIONS] [ARGS]\n"
	"\n"
	"Stop a thread of a running program that is blocked in accept, read, recv, poll,\n"
	"sleep or a condition wait: its call returns ECANCELED, the rest of the program\n"
	"runs on.  The program needs no change: it runs with libthreadstop.so preloaded;\n"
	"one started without it can have a blocked call ended once, with stop --ptrace.\n"
	"\n"
	"commands:\n"
	"  run [--signal SIG] [--] CMD [ARGS...]     run CMD with the shim preloaded\n"
	"  list [--json] [--timeout=S] PID           the threads of PID and their calls\n"
	"  stop [--force] [--wait[=S]] [--timeout=S] PID SELECTOR...\n"
	"                                            stop the matching threads\n"
	"  stop --ptrace [--wait[=S]] PID SELECTOR...\n"
	"                                            end their blocked calls, no shim needed\n"
	"  ps [--all] [--json] [--timeout=S]         the processes running with the shim\n"
	"                                            (--all: any with a blocked thread)\n"
	"  help [COMMAND]                            this text, or COMMAND's\n"
	"\n"
	"options of threadstop itself:\n"
	"  -h, --help      this text (COMMAND --help: that command's)\n"
	"  -V, --version   the version and the control protocol version\n"
	"\n"
	"Options may come before, between or after arguments; '--' ends them.  A value\n"
	"may be given as --opt=VALUE or --opt VALUE (--wait: see 'threadstop help stop').\n"
	"\n"
	"exit status:\n"
	"  0    done\n"
	"  1    stop: nothing matched, a stop could not be delivered (--ptrace: nothing\n"
	"       was stopped), or a thread was still blocked after --wait\n"
	EXIT_COMMON
	"       (stop --ptrace: or it may not be traced, or is traced already)\n"
	"  126  run: CMD exists but cannot be executed\n"
	"  127  run: CMD or the library not found\n"
	"\n"
	"environment: THREADSTOP_LIB (the library for 'run').  Read by the shim in the\n"
	"program: THREADSTOP_SIGNAL (what --signal sets), THREADSTOP_DEBUG=1 (say on stderr\n"
	"when it loads, how its listener runs, and what it stops).\n"
	"See 'threadstop help COMMAND', README.md, doc/cli.md, doc/protocol.md, doc/calls.md.\n";

static const char run_help[] =
	"usage: threadstop run [--signal SIG] [--] CMD [ARGS...]\n"
	"\n"
	"Execute CMD (same pid, found in PATH as the shell does) with libthreadstop.so\n"
	"prepended to LD_PRELOAD; its children inherit it, threadstop itself never loads it.\n"
	"Options end at CMD: what follows is CMD's.\n"
	"\n"
	"options:\n"
	"  -s, --signal=SIG\n"
	"      The real-time signal the shim uses to interrupt a blocked thread (default\n"
	"      SIGRTMAX-3): a number (40) or a name (SIGRTMIN+3, RTMIN+3, RTMAX-2, any\n"
	"      case).  It must lie in SIGRTMIN..SIGRTMAX; pick one the program does not use.\n"
	"      Sets THREADSTOP_SIGNAL to its number.\n"
	"  -h, --help    this text\n"
	"\n"
	"The library is $THREADSTOP_LIB, else " TS_LIBDIR "/" TS_LIBNAME "\n"
	"(the build tree's library when this is the build tree's binary).  Statically\n"
	"linked programs cannot be preloaded.\n"
	"\n"
	"exit status: CMD's own when it runs; else\n"
	"  2    usage error\n"
	"  126  CMD exists but cannot be executed (not executable, a directory, bad format)\n"
	"  127  CMD not found, or the library not found or unreadable\n";

static const char list_help[] =
	"usage: threadstop list [--json] [--timeout=SECONDS] PID\n"
	"\n"
	"One line per thread of PID known to the shim:\n"
	"  TID    the kernel thread id\n"
	"  NAME   the thread name (pthread_setname_np; a Python thread's Thread.name)\n"
	"  STATE  running | blocked (in an interposed call) | stop-pending (stopped, still\n"
	"         in its call) | stopped (its next blocking call fails)\n"
	"  CALL   the interposed call (read, accept4, pthread_cond_wait, ...), or libc:NAME\n"
	"         for a system call glibc makes itself (stdio's libc:read under fgets): a\n"
	"         stop ends that one too; - outside any call\n"
	"  ARG    fd=N, timeout=MS|none, deadline, tid=N (a join), pid=N|any, pgid=N, or -\n"
	"  SINCE  how long the thread has been in CALL, counted from the first time\n"
	"         threadstop looked at it in that call (a 'list' or 'stop')\n"
	"A process without the shim is read from /proc, under the line 'no shim: read\n"
	"from /proc': CALL is the system call it sleeps in (select is pselect6, sleep is\n"
	"clock_nanosleep, a condition or semaphore wait is futex), ARG its fd or timeout;\n"
	"STATE blocked (stop --ptrace ends it) | waiting (a wait it refuses, e.g. futex) |\n"
	"running | sleeping | disk-wait | job-stopped | traced | zombie; SINCE the time\n"
	"since the thread last ran; then WCHAN, where it sleeps in the kernel.  Its JSON\n"
	"adds \"shim\":false, \"source\":\"proc\", and per thread \"syscall\", \"wchan\",\n"
	"\"slept_s\", \"stoppable\" and \"refusal\" (why stop --ptrace would not stop it).\n"
	"Fields are printed escaped: '\\' as '\\\\', control and non-printable characters and\n"
	"bytes that are not valid UTF-8 (or not ASCII, outside a UTF-8 locale) as \\xHH.\n"
	"Columns are aligned by display width.\n"
	"\n"
	"options:\n"
	"  --json\n"
	"      One JSON object: {\"pid\":N,\"threads\":[{\"tid\",\"name\",\"state\",\"call\",\"arg\",\n"
	"      \"since_ns\",\"since_s\"}]}; call, arg, since_* are null outside a call.  Strings\n"
	"      are valid UTF-8: bytes that are not valid UTF-8 become \\ufffd.\n"
	TIMEOUT_OPT
	"  -h, --help    this text\n"
	"\n"
	"A reply of more than 65536 lines or 16 MiB, or one that is malformed, is an error.\n"
	"\n"
	"exit status:\n"
	"  0    listed\n"
	EXIT_COMMON;

static const char stop_help[] =
	"usage: threadstop stop [--force | --grace=SECONDS] [--wait[=SECONDS]] [--timeout=SECONDS]\n"
	"                       PID SELECTOR...\n"
	"       threadstop stop --ptrace [--wait[=SECONDS]] PID SELECTOR...\n"
	"\n"
	"Stop the threads of PID that match any SELECTOR:\n"
	"  TID          a thread id (as shown by 'list'); also tid:TID\n"
	"  NAME         an exact thread name\n"
	"  GLOB         a name pattern with * ? [...], e.g. 'worker-*' (quote it)\n"
	"  name:GLOB    a name, even one that looks like a number or 'all'\n"
	"  call:GLOB    the threads blocked in a matching call, e.g. 'call:accept*'\n"
	"  all          every thread of the program (never threadstop's own)\n"
	"A selector that starts with '-' follows '--'.\n"
	"\n"
	"The blocked call returns -1/ECANCELED, and so does every later blocking call of\n"
	"that thread, but output and opens begun after the stop, and condition and\n"
	"semaphore waits that are timed or begun after it, and reads of regular files (see\n"
	"doc/calls.md).  A thread that retries a call failed twice has ignored the stop: it\n"
	"lapses, and the thread blocks again ('list' shows ignored:N).  One line\n"
	"per thread: 'stopped TID NAME (in CALL ARG)'; 'not delivered TID NAME ...' when\n"
	"the process could not interrupt the thread's call (its stop stays marked).\n"
	"\n"
	"options:\n"
	"  -f, --force\n"
	"      The thread exits (pthread_exit, cleanup handlers and C++ destructors run) at\n"
	"      its blocking call instead; a condition wait's mutex is released unless\n"
	"      cleanup handlers expect it.  Where a catch (...) would swallow the unwind,\n"
	"      the thread is stopped as by a plain stop instead.\n"
	"  --grace=SECONDS\n"
	"      A plain stop, forced for each thread that ignores it, or that has neither\n"
	"      exited nor left its blocking call when SECONDS are up.  Implies --wait.\n"
	"  --ptrace\n"
	"      For a process started without the shim: with ptrace, end the system call\n"
	"      each selected thread is blocked in (call:GLOB matches system call names, as\n"
	"      'list' shows them): it returns ECANCELED, once (not sticky), and the thread\n"
	"      is detached; only the selected threads are traced, and the process is\n"
	"      detached even if threadstop is killed.  Refused, with the reason: futex\n"
	"      waits (mutexes, condition variables, semaphores: glibc aborts when one\n"
	"      fails), a call that had transferred data, a running thread, a process\n"
	"      already traced, and where ptrace is not allowed (the same user and the\n"
	"      sysctl kernel.yama.ptrace_scope=0, or CAP_SYS_PTRACE).  Not with --force\n"
	"      or --grace.\n"
	"  -w, --wait[=SECONDS]\n"
	"      Then wait up to SECONDS (default 10; 0 < SECONDS <= 86400) and say what\n"
	"      became of each stopped thread, one of: exited (returned, forced, its\n"
	"      process exited); left CALL with ECANCELED, and what it does now (blocked\n"
	"      again: not a success); ignored the stop (N refused calls); still blocked\n"
	"      (libc:futex: a mutex, rwlock or barrier wait, not stoppable).  A number\n"
	"      right after --wait is its SECONDS ('--wait 5'); to select a thread id\n"
	"      there, write tid:TID.\n"
	TIMEOUT_OPT
	"  -h, --help    this text\n"
	"\n"
	"exit status:\n"
	"  0    every matching thread was stopped (and, with --wait or --grace, exited or\n"
	"       left its call without blocking again)\n"
	"  1    nothing matched; or a stop could not be delivered; or, with --wait or\n"
	"       --grace, a thread ignored the stop, blocked again or was still blocked;\n"
	"       --ptrace: nothing was stopped\n"
	EXIT_COMMON
	"       (--ptrace: or it may not be traced, or is traced already)\n";

static const char ps_help[] =
	"usage: threadstop ps [--all] [--json] [--timeout=SECONDS]\n"
	"\n"
	"The processes running with the shim that you can reach (their control sockets\n"
	"are abstract unix sockets, @threadstop.PID, listed in /proc/net/unix: those of\n"
	"this network namespace): PID THREADS BLOCKED STOPPED COMMAND, counts read live.\n"
	"A process that does not answer in time (each gets at most 2 s of the deadline), or\n"
	"answers nonsense, is reported on stderr and left out.\n"
	"\n"
	"options:\n"
	"  --all\n"
	"      Every process of your user with a thread blocked in a call threadstop can\n"
	"      end, with the shim or without it (from /proc: stop it with stop --ptrace):\n"
	"      PID THREADS BLOCKED STOPPED SHIM COMMAND; STOPPED is - without the shim.\n"
	"  --json\n"
	"      A JSON array of {\"pid\",\"threads\",\"blocked\",\"stopped\",\"command\",\"socket\"}\n"
	"      (--all: {\"pid\",\"threads\",\"blocked\",\"stopped\",\"shim\",\"command\"}).\n"
	TIMEOUT_OPT
	"  -h, --help    this text\n"
	"\n"
	"exit status:\n"
	"  0    listed (possibly nothing)\n"
	"  2    usage error\n"
	"  3    the deadline passed before every socket was examined\n";

static const char help_help[] =
	"usage: threadstop help [COMMAND]\n"
	"\n"
	"The overview, or the help of COMMAND (run, list, stop, ps, help): the same text as\n"
	"'threadstop COMMAND --help'.\n"
	"\n"
	"exit status:\n"
	"  0    printed\n"
	"  2    unknown COMMAND\n";

const char *help_text(const char *cmd)
{
	static const struct {
		const char *name, *text;
	} t[] = { { "run", run_help }, { "list", list_help }, { "stop", stop_help },
		  { "ps", ps_help },   { "help", help_help } };
	unsigned i;
	if (!cmd)
		return overview;
	for (i = 0; i < sizeof t / sizeof *t; i++)
		if (!strcmp(cmd, t[i].name))
			return t[i].text;
	return 0;
}

void print_help(const char *cmd)
{
	fputs(help_text(cmd), stdout);
}
