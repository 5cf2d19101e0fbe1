// SPDX-License-Identifier: MIT
/*
 * Lab 02: count the futex(2) calls that an uncontended mutex makes. The
 * three-state design exists so that acquire and release make none when
 * nobody waits. Counting is done by the kernel, not by trusting the code
 * under test: a child process installs a seccomp filter that turns every
 * futex system call into a SIGSYS, which the handler counts and answers
 * with 0 ("nobody woken"), however the call was made.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "mutex.h"
#include "scenario.h"

#if defined(__x86_64__)
#define AUDIT_ARCH_HERE AUDIT_ARCH_X86_64
#define SET_RETURN(uc, v) ((uc)->uc_mcontext.gregs[REG_RAX] = (v))
#elif defined(__aarch64__)
#define AUDIT_ARCH_HERE AUDIT_ARCH_AARCH64
#define SET_RETURN(uc, v) ((uc)->uc_mcontext.regs[0] = (v))
#endif

static unsigned long pairs = 1000000;
static volatile sig_atomic_t futex_calls;

#ifdef AUDIT_ARCH_HERE
static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	futex_calls++;
	SET_RETURN((ucontext_t *)ctx, 0);
}

/* From here on, every futex system call of this process traps. */
static int trap_futex(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_HERE, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_futex, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(filter) / sizeof(filter[0]), filter};
	struct sigaction sa = {0};

	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &sa, NULL) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return -errno;
	return 0;
}
#else
static int trap_futex(void)
{
	return -ENOTSUP;
}
#endif

static int noop(void *arg)
{
	(void)arg;
	return 0;
}

/* In the child: the uncontended workload. Exit status 2 on a lab error. */
static void count_uncontended(int out_fd)
{
	struct mutex m;
	long counts[3];
	int rc = trap_futex();

	if (rc < 0)
		scenario_die("futex_count: seccomp", rc);
	mutex_init(&m);
	for (unsigned long k = 0; k < pairs && rc == 0; k++)
		if ((rc = mutex_acquire(&m)) == 0)
			rc = mutex_release(&m);
	counts[0] = futex_calls;
	for (unsigned long k = 0; k < pairs / 10 && rc == 0; k++)
		if ((rc = mutex_try_acquire(&m)) == 0)
			rc = mutex_release(&m);
	counts[1] = futex_calls - counts[0];
	for (unsigned long k = 0; k < pairs / 10 && rc >= 0; k++)
		rc = mutex_exec(&m, noop, NULL);
	counts[2] = futex_calls - counts[0] - counts[1];
	if (rc < 0)
		scenario_die("futex_count: a mutex call", rc);
	if (write(out_fd, counts, sizeof(counts)) != sizeof(counts))
		_exit(3);
	_exit(0);
}

int main(int argc, char **argv)
{
	struct scenario sc = {
		.name = "futex_count",
		.summary = "Counts futex(2) calls made by uncontended "
			   "acquire/release pairs (want 0).",
	};
	const struct scenario_opt opts[] = {
		{"pairs", &pairs, "uncontended acquire/release pairs"},
		{NULL, NULL, NULL},
	};
	long counts[3] = {0, 0, 0};
	int fds[2], status;
	pid_t pid;

	scenario_parse(&sc, opts, argc, argv);
	if (pipe(fds) < 0)
		scenario_die("pipe", -errno);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		count_uncontended(fds[1]);
	}
	close(fds[1]);
	ssize_t got = read(fds[0], counts, sizeof(counts));
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		return 2; /* the child has said why */
	if (got != sizeof(counts)) {
		fprintf(stderr, "futex_count: the counting child %s\n",
			WIFSIGNALED(status) ? "was killed by a signal"
					    : "did not report");
		return 2;
	}
	long total = counts[0] + counts[1] + counts[2];
	if (total != 0)
		scenario_fail(&sc, 0,
			      "uncontended calls made %ld futex calls (want "
			      "0): %ld in %lu acquire/release, %ld in "
			      "try_acquire/release, %ld in exec; an "
			      "uncontended release must not wake",
			      total, counts[0], pairs, counts[1], counts[2]);
	printf("RESULT: %ld futex calls in %lu uncontended acquire/release "
	       "pairs\n",
	       total, pairs + pairs / 5);
	return scenario_finish(&sc);
}
