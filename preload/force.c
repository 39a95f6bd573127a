/* What a forced exit would run into, read in the target thread just before it exits:
 * cleanup handlers the program pushed (glibc's chain in the thread descriptor, learnt by
 * a probe; -fexceptions and C++ handlers are landing pads) and handlers the forced
 * unwind cannot pass (catch (...), an exception specification, a noexcept frame: glibc
 * aborts, or std::terminate runs).  The walk reads each frame's LSDA (.gcc_except_table)
 * through libgcc's unwinder, loaded as glibc loads it for pthread_exit. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <unwind.h>
#include "force.h"
#include "log.h"

/* Where glibc's descriptor keeps the chain of pthread_cleanup_push buffers (C without
 * -fexceptions registers each with __pthread_register_cancel); -1 unknown.  The chain
 * does not start empty: glibc's start_thread puts a buffer of its own at its base, so a
 * thread's base is read when it registers (registry.c). */
static long chain_off = -1;

#define PROBE_WORDS 512 /* the descriptor is under 4 KiB in every glibc we know */

__attribute__((noinline)) static long find_word(void *const *self, const void *want, long from)
{
	long i;
	for (i = from; i < PROBE_WORDS; i++)
		if (self[i] == want)
			return i;
	return -1;
}

static void nothing(void *arg) { (void)arg; }

/* With one handler pushed (outer): push a second, and check that word off points at the
 * new buffer, then at the outer one again after the pop. */
__attribute__((noinline)) static int nested_ok(void *const *self, long off, const void *outer)
{
	volatile int ok = 0;
	pthread_cleanup_push(nothing, 0);
	ok = self[off] == (const void *)&__cancel_buf;
	pthread_cleanup_pop(0);
	return ok && self[off] == outer;
}

__attribute__((noinline)) static long probe(void *const *self)
{
	volatile long off = -1;
	pthread_cleanup_push(nothing, 0);
	off = find_word(self, &__cancel_buf, 0);
	while (off >= 0 && !nested_ok(self, off, &__cancel_buf))
		off = find_word(self, &__cancel_buf, off + 1);
	pthread_cleanup_pop(0);
	return off;
}

/* Push a handler and find the word of the descriptor that points at its buffer; check it
 * with a nested push, and that it is empty again after the pop. */
void ts_force_init(void)
{
	void *const *self = (void *const *)pthread_self();
	long off = probe(self);
	if (off >= 0 && self[off] == 0)
		chain_off = off;
	ts_debug("threadstop: cleanup chain at word %ld of the thread descriptor\n", chain_off);
}

/* The unwinder's entry points, from libgcc_s (dlsym: the library gains no dependency). */
static struct {
	_Unwind_Reason_Code (*backtrace)(_Unwind_Trace_Fn, void *);
	void *(*lsda)(struct _Unwind_Context *);
	_Unwind_Ptr (*region)(struct _Unwind_Context *);
	_Unwind_Ptr (*ip)(struct _Unwind_Context *, int *);
} uw;

static int unwinder(void)
{
	void *h;
	if (uw.ip)
		return 1;
	h = dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NOLOAD);
	if (!h)
		h = dlopen("libgcc_s.so.1", RTLD_NOW);
	if (!h)
		return 0;
	uw.backtrace = (_Unwind_Reason_Code(*)(_Unwind_Trace_Fn, void *))dlsym(h, "_Unwind_Backtrace");
	uw.lsda = (void *(*)(struct _Unwind_Context *))dlsym(h, "_Unwind_GetLanguageSpecificData");
	uw.region = (_Unwind_Ptr(*)(struct _Unwind_Context *))dlsym(h, "_Unwind_GetRegionStart");
	uw.ip = (_Unwind_Ptr(*)(struct _Unwind_Context *, int *))dlsym(h, "_Unwind_GetIPInfo");
	return uw.backtrace && uw.lsda && uw.region && uw.ip;
}

static const unsigned char *uleb(const unsigned char *p, uintptr_t *v)
{
	unsigned shift = 0;
	*v = 0;
	do {
		*v |= (uintptr_t)(*p & 0x7f) << shift;
		shift += 7;
	} while (*p++ & 0x80 && shift < 64);
	return p;
}

static const unsigned char *sleb(const unsigned char *p, intptr_t *v)
{
	unsigned shift = 0;
	uintptr_t r = 0;
	unsigned char b;
	do {
		b = *p++;
		r |= (uintptr_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80 && shift < 64);
	if (shift < 64 && (b & 0x40))
		r |= -((uintptr_t)1 << shift);
	*v = (intptr_t)r;
	return p;
}

static int enc_size(unsigned char e)
{
	switch (e & 0x0f) {
	case 0x00: case 0x04: case 0x0c: return 8;
	case 0x02: case 0x0a: return 2;
	case 0x03: case 0x0b: return 4;
	}
	return 0;
}

/* A DWARF pointer encoding (DW_EH_PE_*).  Returns 0 on an encoding we do not read. */
static const unsigned char *enc(const unsigned char *p, unsigned char e, uintptr_t *v)
{
	const unsigned char *at = p;
	uintptr_t u = 0;
	int16_t s2;
	int32_t s4;
	uint16_t u2;
	uint32_t u4;
	switch (e & 0x0f) {
	case 0x00: case 0x04: case 0x0c: memcpy(&u, p, 8); p += 8; break;
	case 0x01: p = uleb(p, &u); break;
	case 0x09: p = sleb(p, (intptr_t *)&u); break;
	case 0x02: memcpy(&u2, p, 2); u = u2; p += 2; break;
	case 0x03: memcpy(&u4, p, 4); u = u4; p += 4; break;
	case 0x0a: memcpy(&s2, p, 2); u = (uintptr_t)(intptr_t)s2; p += 2; break;
	case 0x0b: memcpy(&s4, p, 4); u = (uintptr_t)(intptr_t)s4; p += 4; break;
	default: return 0;
	}
	if (u) {
		switch (e & 0x70) {
		case 0x00: break;
		case 0x10: u += (uintptr_t)at; break;
		default: return 0;
		}
		if (e & 0x80)
			memcpy(&u, (const void *)u, sizeof u);
	}
	*v = u;
	return p;
}

struct scan {
	int cleanups;   /* landing pads that run code during the unwind */
	int refuse;     /* a frame the forced unwind cannot pass */
	int frames;
};

/* One frame's LSDA: what the unwind does at ip.  (Itanium C++ ABI, gcc_except_table.) */
static void scan_lsda(const unsigned char *p, uintptr_t start, uintptr_t ip, struct scan *s)
{
	uintptr_t lpstart = start, ttoff, cslen, v;
	const unsigned char *ttbase = 0, *actions;
	unsigned char lpenc = *p++, ttenc, csenc;
	if (lpenc != 0xff && !(p = enc(p, lpenc, &lpstart)))
		goto unknown;
	ttenc = *p++;
	if (ttenc != 0xff) {
		p = uleb(p, &ttoff);
		ttbase = p + ttoff;
	}
	csenc = *p++;
	p = uleb(p, &cslen);
	actions = p + cslen;
	while (p < actions) {
		uintptr_t cs, len, lp, act;
		if (!(p = enc(p, csenc & 0x0f, &cs)) || !(p = enc(p, csenc & 0x0f, &len)) ||
		    !(p = enc(p, csenc & 0x0f, &lp)))
			goto unknown;
		p = uleb(p, &act);
		if (ip < lpstart + cs)
			break;
		if (ip >= lpstart + cs + len)
			continue;
		if (!lp)
			return; /* no handler here: the unwind passes */
		if (!act) {
			s->cleanups = 1;
			return;
		}
		for (p = actions + act - 1;;) {
			intptr_t filter, disp;
			const unsigned char *q = sleb(p, &filter);
			sleb(q, &disp);
			if (filter == 0) {
				s->cleanups = 1;
			} else if (filter < 0) {
				s->refuse = 1; /* an exception specification: std::unexpected */
				return;
			} else {
				int sz = enc_size(ttenc);
				if (!ttbase || !sz || !enc(ttbase - filter * sz, ttenc, &v))
					goto unknown;
				if (!v) {
					s->refuse = 1; /* catch (...): it catches the forced unwind */
					return;
				}
			}
			if (!disp)
				return;
			p = q + disp;
		}
	}
	/* ip is in no call-site entry: the personality calls std::terminate (noexcept) */
	s->refuse = 1;
	return;
unknown:
	s->refuse = 1;
}

static _Unwind_Reason_Code frame(struct _Unwind_Context *ctx, void *arg)
{
	struct scan *s = arg;
	const unsigned char *lsda = uw.lsda(ctx);
	int before = 0, cleanups;
	uintptr_t ip;
	Dl_info di;
	if (++s->frames > 4096 || s->refuse)
		return _URC_END_OF_STACK;
	if (!lsda)
		return _URC_NO_REASON;
	ip = uw.ip(ctx, &before);
	if (!before)
		ip--;
	cleanups = s->cleanups;
	scan_lsda(lsda, uw.region(ctx), ip, s);
	/* libstdc++'s own cleanups (std::thread's entry frees its state) touch no lock of
	 * the program's: a std::unique_lock's destructor is inlined in the program's frame */
	if (s->cleanups && !cleanups && dladdr((void *)ip, &di) && di.dli_fname && strstr(di.dli_fname, "libstdc++"))
		s->cleanups = 0;
	return _URC_NO_REASON;
}

void *ts_force_chain(void)
{
	return chain_off >= 0 ? ((void *const *)pthread_self())[chain_off] : 0;
}

int ts_force_check(const void *base, int *cleanups)
{
	struct scan s = { 0, 0, 0 };
	if (ts_force_chain() != base)
		s.cleanups = 1;
	if (unwinder())
		uw.backtrace(frame, &s);
	*cleanups = s.cleanups;
	return s.refuse ? -1 : 0;
}
