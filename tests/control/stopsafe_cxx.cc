// C++ targets for stopsafe.sh: what a forced stop does to C++ frames.
//   stopsafe_cxx dtor      "worker" blocks in read with an object alive on its stack;
//                          forced out, its destructor prints "destructor ran"
//   stopsafe_cxx catchall  "worker" blocks in read inside try { } catch (...) { } that
//                          swallows everything: glibc would abort on a forced unwind, so
//                          the force is refused and the read fails as with a plain stop
//   stopsafe_cxx condvar   "worker" waits on a std::condition_variable for ever; main
//                          joins it, then takes the std::mutex: "main locked"
//   stopsafe_cxx rawcond   a std::thread waits on a pthread condition with a pthread
//                          mutex and no cleanup handler (std::thread's own entry has
//                          cleanups: they do not count): the same, "main locked"
// main joins the worker, prints "main done" and exits 0.
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <pthread.h>
#include <string>
#include <thread>
#include <unistd.h>

static int fds[2];
static std::mutex mu;
static std::condition_variable cv;
static pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pc = PTHREAD_COND_INITIALIZER;

struct Guard {
	~Guard() { std::printf("destructor ran\n"); std::fflush(stdout); }
};

static void *dtor(void *)
{
	Guard g;
	char c;
	ssize_t n = read(fds[0], &c, 1);
	std::printf("read: %zd %s\n", n, n < 0 ? std::strerror(errno) : "");
	return nullptr;
}

static void *catchall(void *)
{
	try {
		std::string s("alive");
		char c;
		ssize_t n = read(fds[0], &c, 1);
		std::printf("read: %zd %s\n", n, n < 0 ? std::strerror(errno) : "");
	} catch (...) {
		std::printf("swallowed\n");
	}
	std::fflush(stdout);
	return nullptr;
}

static void *condvar(void *)
{
	std::unique_lock<std::mutex> lk(mu);
	for (;;)
		cv.wait(lk);
	return nullptr;
}

static void rawcond()
{
	pthread_mutex_lock(&pm);
	for (;;)
		pthread_cond_wait(&pc, &pm);
}

int main(int argc, char **argv)
{
	void *(*fn)(void *) = nullptr;
	std::string mode = argc > 1 ? argv[1] : "";
	pthread_t th;
	if (mode == "dtor")
		fn = dtor;
	else if (mode == "catchall")
		fn = catchall;
	else if (mode == "condvar")
		fn = condvar;
	if (mode == "rawcond") {
		std::thread t(rawcond);
		pthread_setname_np(t.native_handle(), "worker");
		std::printf("ready\n");
		std::fflush(stdout);
		t.join();
		pthread_mutex_lock(&pm);
		std::printf("main locked\nmain done\n");
		return 0;
	}
	if (!fn || pipe(fds))
		return 2;
	pthread_create(&th, nullptr, fn, nullptr);
	pthread_setname_np(th, "worker");
	std::printf("ready\n");
	std::fflush(stdout);
	pthread_join(th, nullptr);
	if (mode == "condvar") {
		std::lock_guard<std::mutex> lk(mu);
		std::printf("main locked\n");
	}
	std::printf("main done\n");
	std::fflush(stdout);
	return 0;
}
