/* fork(): every lock of the shim, in one list and one order.  The prepare handler takes
 * them all, outermost first, so that no other thread holds one while the address space
 * is copied; the parent releases them, and the child resets what it inherited: the
 * child has one thread, so a lock held by another thread of the parent would never be
 * released in it.
 *
 * The order is the nesting order of the code: the registry lock (registry.c) is held
 * while a stopper marks and wakes threads; the virtual disposition's lock (sigvirt_action.c)
 * while the program's sigaction writes it.  None is taken while a later one is held.
 * The control plane has no lock: the child inherits neither the listener nor its
 * descriptors (a table of its own), and resets its state. */
#define _GNU_SOURCE
#include "fork.h"
#include "registry.h"
#include "server.h"
#include "send.h"
#include "sigvirt.h"

static void prepare(void)
{
	ts_registry_lock();
	ts_sigvirt_lock();
}

static void parent(void)
{
	ts_sigvirt_unlock();
	ts_registry_unlock();
}

/* In the child: its own pid first (the signal's sender), then the registry (its one
 * thread, unstopped), the signal's lock, and last the control plane, which arranges for
 * a listener of its own later (control/listener.c). */
static void child(void)
{
	ts_signal_fork_child();
	ts_registry_fork_child();
	ts_sigvirt_fork_child();
	ts_control_fork_child();
}

/* From the constructor, after every part it names is initialised. */
void ts_fork_init(void)
{
	pthread_atfork(prepare, parent, child);
}
