/* SPDX-License-Identifier: MIT */
/*
 * verdict.h - how a harness program tells the runner what it concluded,
 * on a channel that the lab's code neither finds nor needs.
 *
 * The runner hands each check's program the write end of a pipe, at the
 * descriptor that PROTO_VERDICT_ENV names (protocol.h). The harness's own
 * code takes it first thing (scenario_parse(), a unit test's main, the
 * explorer's start): verdict_take() reads and removes the variable, marks
 * the descriptor close-on-exec, closes it in every child that fork()
 * makes (such a child runs the lab's code and is never the judge), and
 * writes BEGIN. Every verdict record then goes through verdict_say() or
 * verdict_send(), and the last through verdict_done(): a program that ends
 * without it, by an exit from the lab's code say, fails its check. What
 * the program prints on stdout stays the log a student reads; the runner
 * judges from the channel alone, so a forged STAT line changes nothing.
 *
 * Without the variable (a program run by hand) records go to stdout only.
 */
#ifndef LAB_VERDICT_H
#define LAB_VERDICT_H

#include <stdbool.h>

/*
 * verdict_take - take the channel, before any of the lab's code runs.
 * Idempotent. Returns 0, or -ENOENT when there is none (not run by the
 * runner), or -EBADF when the variable names no open descriptor.
 */
int verdict_take(void);

/* verdict_say - one record, printf-style: on the channel and on stdout. */
void verdict_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* verdict_send - one record on the channel only (stdout already has it in
 * the program's own words, as Check's summary). */
void verdict_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * verdict_done - the last record: the harness's code reached its end.
 * In a ThreadSanitizer build, or under Helgrind or DRD, it then runs a
 * deliberate race of its own (two threads, one plain int), which the
 * runner requires the detector to report with the harness's exit status:
 * proof that the detector ran with the harness's options. In an
 * AddressSanitizer build the control is a read past a heap block, after
 * the leak check that the end of the process would make. The channel is
 * closed first.
 */
void verdict_done(void);

/*
 * verdict_control - the control of verdict_done(), for a program of
 * the lab's that has no channel (a server, an actor) and that an e2e
 * script watches to its end under a detector: the script sets
 * PROTO_CONTROL_ENV in its environment, reports the control on the
 * channel for it (verdict.sh) and requires the detector's exit status.
 * Called on a clean exit; does nothing without the variable or with no
 * detector watching, so a program run by hand reports nothing of it.
 */
void verdict_control(void);

/* verdict_close - drop the channel (a child that runs the lab's code). */
void verdict_close(void);

/* Whether a runner's channel was taken and is still open. */
bool verdict_open(void);

#endif /* LAB_VERDICT_H */
