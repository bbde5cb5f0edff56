/*
 * nixlxc-helper: the two liblxc calls nixlxc makes from a process of their
 * own, a small C program rather than a Go one. See helper/README.md.
 *
 *   nixlxc-helper start  LXCPATH NAME CONFIG LOGFILE [SOURCE...]
 *   nixlxc-helper attach LXCPATH NAME CONFIG CWD TERMINAL NENV [ENV...] ARGV...
 *
 * Only nixlxc runs it (lxcapi), with arguments it made: no shell, no file
 * it reads but the container's LXC config through liblxc, no environment
 * it acts on.
 *
 * start starts the container in the background and exits once liblxc
 * reports it running: 0 started, 1 liblxc failed (its reason is in
 * LOGFILE), 2 the config did not load, 3 the read-only sources could not
 * be locked, 64 bad usage. liblxc's monitor of the container is a fork of
 * this process, so it costs what lxc-start's does. Each SOURCE is a
 * read-only bind source of the config, "r:PATH" (rbind) or "b:PATH" (bind),
 * parents before what they hold: the start runs from a private mount
 * namespace in which each is a read-only mount (see lxcapi/readonly.go).
 *
 * attach runs ARGV in the running container, with a clean environment of
 * ENV, in CWD, on this process's stdin, stdout and stderr, and exits with
 * its status (128+N: killed by signal N). The command leads a session of
 * its own: it never has the caller's terminal as its controlling terminal
 * (TIOCSTI); with TERMINAL 1, its stdin is a pty of the container's own,
 * which becomes its controlling terminal. INT, QUIT, TERM and HUP are
 * passed on to it. On a failure of its own it prints one line starting
 * with "nixlxc: " and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <linux/mount.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lxc/attach_options.h>
#include <lxc/lxccontainer.h>

#define EXIT_USAGE 64

/* liblxc makes a container object without loading its config from this
 * directory below the LXC path, where no container is: nixlxc loads the
 * config itself (lxcapi.go says why). */
#define UNLOADED "/.unloaded"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static void fail(const char *what)
{
	fprintf(stderr, "nixlxc: %s\n", what);
}

/* Nothing the caller holds open reaches a container or its monitor: every
 * descriptor above stderr is close-on-exec (liblxc closes the rest in the
 * monitor), and LISTEN_FDS, which makes liblxc keep 3..N open, goes. */
static void shed_inherited(void)
{
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	for (int fd = 3; fd < 1024; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* open_container returns NAME without its config, pointed at LXCPATH, or
 * NULL. */
static struct lxc_container *open_container(const char *lxcpath, const char *name)
{
	char unloaded[PATH_MAX];
	struct lxc_container *c;

	if (snprintf(unloaded, sizeof(unloaded), "%s" UNLOADED, lxcpath) >= (int)sizeof(unloaded))
		return NULL;
	c = lxc_container_new(name, unloaded);
	if (!c)
		return NULL;
	if (!c->set_config_path(c, lxcpath)) {
		lxc_container_put(c);
		return NULL;
	}
	return c;
}

static bool inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* lock_read_only mounts each source over itself, read-only, in this
 * process's own mount namespace; one inside a source already done is
 * read-only with it. A source that cannot be opened is left to liblxc,
 * which says what is wrong with it when it mounts it. */
static int lock_read_only(char **sources, int n)
{
	const char *done[n > 0 ? n : 1];
	int ndone = 0;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		fprintf(stderr, "nixlxc: making a mount namespace to start in: %s\n", strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		bool recursive = sources[i][0] == 'r';
		const char *path = sources[i] + 2;
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
		bool skip = false;
		int fd;

		for (int j = 0; j < ndone && !skip; j++)
			skip = inside(path, done[j]);
		if (skip)
			continue;
		fd = syscall(SYS_open_tree, AT_FDCWD, path,
			     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
		if (fd < 0)
			continue;
		if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
			    &attr, sizeof(attr)) < 0 ||
		    syscall(SYS_move_mount, fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
			fprintf(stderr, "nixlxc: making %s read-only for the container: %s\n", path, strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
		done[ndone++] = path;
	}
	return 0;
}

static int start(int argc, char **argv)
{
	const char *lxcpath, *name, *config, *logfile;
	struct lxc_container *c;
	bool ok;

	if (argc < 4)
		return EXIT_USAGE;
	lxcpath = argv[0];
	name = argv[1];
	config = argv[2];
	logfile = argv[3];
	for (int i = 4; i < argc; i++) {
		if ((argv[i][0] != 'r' && argv[i][0] != 'b') || argv[i][1] != ':' || argv[i][2] != '/')
			return EXIT_USAGE;
	}

	c = open_container(lxcpath, name);
	if (!c) {
		fail("liblxc: cannot open the container");
		return 1;
	}
	/* The log first: it catches every reason the config does not load. */
	if (!c->set_config_item(c, "lxc.log.file", logfile) || !c->load_config(c, config)) {
		lxc_container_put(c);
		return 2;
	}
	if (argc > 4 && lock_read_only(argv + 4, argc - 4) < 0) {
		lxc_container_put(c);
		return 3;
	}
	if (!c->want_daemonize(c, true)) {
		lxc_container_put(c);
		return 1;
	}
	ok = c->start(c, 0, NULL);
	lxc_container_put(c);
	return ok ? 0 : 1;
}

struct command {
	lxc_attach_command_t run;
	sigset_t mask;
	bool terminal;
};

/* run_command runs in the attached process, in the container, just before
 * the command: a session of its own, the signals as the caller had them. */
static int run_command(void *payload)
{
	struct command *cmd = payload;

	sigprocmask(SIG_SETMASK, &cmd->mask, NULL);
	if (setsid() < 0) {
		fail("making a session for the command failed");
		return 126;
	}
	if (cmd->terminal && ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0) {
		fail("making the container's pty the command's terminal failed");
		return 126;
	}
	return lxc_attach_run_command(&cmd->run);
}

static volatile sig_atomic_t attached = -1;

static void relay(int sig)
{
	if (attached > 0)
		kill(attached, sig);
}

static const int relayed[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };

static int attach(int argc, char **argv)
{
	lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
	struct command cmd = { 0 };
	struct sigaction sa = { .sa_handler = relay };
	const char *lxcpath, *name, *config;
	struct lxc_container *c;
	char **env, *end;
	sigset_t block;
	long nenv;
	pid_t pid;
	int status;

	if (argc < 7)
		return EXIT_USAGE;
	lxcpath = argv[0];
	name = argv[1];
	config = argv[2];
	opts.initial_cwd = argv[3];
	cmd.terminal = strcmp(argv[4], "1") == 0;
	errno = 0;
	nenv = strtol(argv[5], &end, 10);
	if (errno || *end || nenv < 0 || nenv > argc - 7)
		return EXIT_USAGE;
	/* liblxc wants both lists NULL-terminated: the environment is copied
	 * with its terminator, the command is the rest of argv. */
	env = calloc(nenv + 1, sizeof(*env));
	if (!env)
		return 1;
	memcpy(env, argv + 6, nenv * sizeof(*env));
	cmd.run.argv = argv + 6 + nenv;
	cmd.run.program = cmd.run.argv[0];

	c = open_container(lxcpath, name);
	if (!c) {
		fail("liblxc: cannot open the container");
		return 1;
	}
	/* The config brings the container's environment (lxc.environment)
	 * and seccomp policy to the command. */
	if (!c->load_config(c, config)) {
		fprintf(stderr, "nixlxc: liblxc: loading %s: failed\n", config);
		return 1;
	}
	opts.env_policy = LXC_ATTACH_CLEAR_ENV;
	opts.extra_env_vars = env;

	/* The signals to pass on wait until the command runs; the command
	 * gets the mask as it was (run_command). liblxc ignores INT and QUIT
	 * while it attaches: the handlers come after. */
	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(relayed) / sizeof(relayed[0]); i++)
		sigaddset(&block, relayed[i]);
	sigprocmask(SIG_BLOCK, &block, &cmd.mask);
	if (c->attach(c, run_command, &cmd, &opts, &pid) < 0) {
		fprintf(stderr, "nixlxc: liblxc: attaching to %s failed\n", name);
		return 1;
	}
	attached = pid;
	for (size_t i = 0; i < sizeof(relayed) / sizeof(relayed[0]); i++)
		sigaction(relayed[i], &sa, NULL);
	sigprocmask(SIG_SETMASK, &cmd.mask, NULL);

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "nixlxc: waiting for the attached command: %s\n", strerror(errno));
			return 1;
		}
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	shed_inherited();
	if (argc >= 2 && strcmp(argv[1], "start") == 0)
		return start(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "attach") == 0)
		return attach(argc - 2, argv + 2);
	fprintf(stderr, "usage: nixlxc-helper start|attach ... (run by nixlxc only)\n");
	return EXIT_USAGE;
}
