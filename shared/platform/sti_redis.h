/*  sti_redis: one connection to Redis, with the habits every service needs.

    - Connects from a URL, redis://[[user]:password@]host:port[/db], sends AUTH
      and SELECT, and reconnects with capped exponential back-off when the
      connection breaks; a command that fails on a broken connection is retried
      once on the new one only if the caller says it is safe (idempotent).
    - Every key lives under the namespace (STI_NAMESPACE, default "sti"):
      sti_redis_key() builds "<ns>:<part>:<part>...". Each service has one
      function per key family on top of it; docs/keys.md lists them.
    - Lua scripts are registered once and called by EVALSHA; NOSCRIPT (after a
      restart or SCRIPT FLUSH) loads the script again and retries. A script
      that only reads says so on its first line, "#!lua flags=no-writes", and
      is called by EVALSHA_RO, so a user that may only read its keys (ACL
      %R~) may run it.
    - Pipelining: append any number of commands, then read the replies in order.

    Like hiredis, the object carries err / errstr for the last failure.
    Replies are hiredis redisReply objects; the caller frees them with
    freeReplyObject().
*/
#pragma once
#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _sti_redis_t sti_redis_t;
typedef struct _sti_script_t sti_script_t;

//  Parses the URL and connects. Returns NULL (with a reason in err) only for a
//  bad URL; an unreachable server gives an object that keeps trying (see
//  sti_redis_connected).
sti_redis_t *sti_redis_new(const char *url, const char *ns, char *err, size_t errlen);
void sti_redis_destroy(sti_redis_t **self_p);
bool sti_redis_connected(sti_redis_t *self);
//  Blocks until connected or timeout_ms passes. Returns 0 or -1.
int sti_redis_wait(sti_redis_t *self, int timeout_ms);
const char *sti_redis_namespace(sti_redis_t *self);
//  Last error text ("" when none).
const char *sti_redis_errstr(sti_redis_t *self);
//  Writes where this connects, for logs, never the password: "host:port/db"
//  with " as USER" when a user is set and " (master NAME via N sentinels)"
//  when Sentinels are. Returns buf.
char *sti_redis_describe(sti_redis_t *self, char *buf, size_t cap);

//  Builds "<ns>:a:b:..." from NULL-terminated parts into buf.
//  Returns buf, or NULL when it does not fit.
char *sti_redis_key(sti_redis_t *self, char *buf, size_t cap, ...) __attribute__((sentinel));

//  One command, printf-style as redisCommand. Returns the reply (caller frees),
//  or NULL when the connection failed; an error reply is returned as a reply.
redisReply *sti_redis_command(sti_redis_t *self, const char *format, ...);
redisReply *sti_redis_argv(sti_redis_t *self, int argc, const char **argv, const size_t *lens);
//  As sti_redis_argv, for a command that is safe to apply twice (a read, or an
//  idempotent write): when the connection breaks under it, connects again at
//  once and sends it once more. Returns the reply (caller frees) or NULL.
redisReply *sti_redis_argv_retry(sti_redis_t *self, int argc, const char **argv,
                                 const size_t *lens);
//  Finds the master through Redis Sentinel instead of the URL's host and port:
//  sentinels is "host:port[,host:port...]" (at most 8), master the name the
//  Sentinels monitor. Each connection asks the Sentinels in turn for the
//  master's address (authenticating with the URL's password when there is
//  one) and checks with ROLE that the server it reached is the master; a
//  READONLY reply (the master became a replica) drops the connection so the
//  next command finds the new master. Returns 0, or -1 with a reason in err.
int sti_redis_set_sentinels(sti_redis_t *self, const char *sentinels, const char *master, char *err,
                            size_t errlen);
//  Sets the connect and command timeouts in ms (defaults 2000 and 5000).
void sti_redis_set_timeouts(sti_redis_t *self, int connect_ms, int command_ms);
//  Sets how many replicas every write must reach before it is acknowledged
//  (the service's redis_replicas; default 0: the master only). Readers that
//  may show only what the replicas confirmed (events.since) ask for it with
//  sti_redis_replicas; copied by sti_redis_dup.
void sti_redis_set_replicas(sti_redis_t *self, int replicas);
int sti_redis_replicas(sti_redis_t *self);
//  WAIT replicas timeout_ms: blocks until that many replicas hold every
//  write of this connection, at most timeout_ms, with the socket's timeout
//  raised by timeout_ms for the command (a WAIT longer than the command
//  timeout is not taken for a dead server). Returns how many replicas hold
//  them, or -1 when the command failed (sti_redis_errstr says why).
long long sti_redis_wait_replicas(sti_redis_t *self, int replicas, int timeout_ms);
//  The connection's generation: 0 before it first connects, raised by every
//  (re)connect. A WAIT covers only the writes of its own generation: one
//  made before a reconnect may be on a server the connection no longer
//  talks to (a fail-over followed through the Sentinels), or lost with it.
uint64_t sti_redis_generation(sti_redis_t *self);
//  The generation the last sti_redis_wait_replicas ran on, when Redis
//  answered it (0 when it failed): the writes it covers are that
//  generation's.
uint64_t sti_redis_waited(sti_redis_t *self);

//  A second connection with the same server, credentials, namespace,
//  Sentinels and timeouts (for a blocking read that must not hold the first
//  one). Connects at once, or at its first command. Caller destroys.
sti_redis_t *sti_redis_dup(sti_redis_t *self);
//  The connection's socket, to poll next to others, or -1 when it is down.
int sti_redis_fd(sti_redis_t *self);
//  Writes the queued (appended) commands to the socket without waiting for a
//  reply, so a pipelined or blocking command runs while the caller polls
//  sti_redis_fd. Returns 0, or -1 when the connection broke.
int sti_redis_flush(sti_redis_t *self);

//  Pipelining: queue commands, then read exactly as many replies.
int sti_redis_append(sti_redis_t *self, int argc, const char **argv, const size_t *lens);
int sti_redis_appendf(sti_redis_t *self, const char *format, ...);
//  Returns the next reply (caller frees), or NULL on a broken connection.
redisReply *sti_redis_reply(sti_redis_t *self);

//  Registers a script for this connection (not loaded until first use).
//  The returned handle lives as long as the connection. A source whose
//  first line is "#!lua flags=no-writes" (other flags may follow, comma
//  separated) is run with EVALSHA_RO.
sti_script_t *sti_redis_script(sti_redis_t *self, const char *source);
//  EVALSHA with NOSCRIPT handled. Returns the reply (caller frees) or NULL.
redisReply *sti_redis_eval(sti_redis_t *self, sti_script_t *script, int nkeys, int nargs,
                           const char **argv, const size_t *lens);
//  As sti_redis_eval, for a script that is safe to run twice (it finds what
//  a first run did: a request id, a spent claim): when the connection
//  breaks under it (closed by Redis, a restart, a fail-over), connects again
//  at once and sends it once more, so the caller is not told Redis failed
//  for a reply lost on the wire. *again (may be NULL) says whether it was
//  sent twice: a second run that finds the first one's work found its own.
redisReply *sti_redis_eval_retry(sti_redis_t *self, sti_script_t *script, int nkeys, int nargs,
                                 const char **argv, const size_t *lens, bool *again);
//  Pipelined form: queue an EVALSHA (the script must have been loaded once).
int sti_redis_eval_append(sti_redis_t *self, sti_script_t *script, int nkeys, int nargs,
                          const char **argv, const size_t *lens);
//  Loads the script if needed (SCRIPT LOAD). Returns 0 or -1.
int sti_redis_script_load(sti_redis_t *self, sti_script_t *script);
