/*
 * server: `occlum start`'s LibOS serving `occlum exec` requests (server.c).
 */
#ifndef PAL_SIM_SERVER_H
#define PAL_SIM_SERVER_H

/* Block SIGINT/SIGTERM/SIGHUP/SIGQUIT in this (the first) thread, so in
 * every thread after it, and return a signalfd for them (-1 on failure).
 * Call before any thread exists. */
int server_block_stop_signals(void);

/* After libos_init: serve until stopped; returns the runtime's exit code. */
int server_run(const char *instance, int sigfd);

#endif
