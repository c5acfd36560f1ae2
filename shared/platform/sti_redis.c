/*  sti_redis: one blocking hiredis connection with the habits every service
    needs. See sti_redis.h.

    Connection. The URL is parsed once (redis://[[user]:password@]host[:port]
    [/db], user and password percent-decoded); anything else is refused with a
    reason. Connecting sends AUTH (AUTH user pass for an ACL user) and SELECT.
    Connect and command timeouts are set on the socket (redisSetTimeout), so a
    stuck server makes a command fail instead of hanging.

    Reconnection never sleeps. When a command fails on the wire, the context
    is freed. The next command issued tries to connect again, at once the first
    time and then only after the back-off delay has passed (doubling from 100 ms
    up to 5 s); before that, commands fail fast with "not connected".
    sti_redis_wait() polls until the next attempt is due. Only
    sti_redis_argv_retry() and sti_redis_eval_retry() send a command a second
    time after a break, because only the caller knows whether a command is
    safe to apply twice.

    Pipelining. Appended commands sit in hiredis' output buffer until the first
    reply is read. The object counts the replies owed; a reply read on a broken
    connection is NULL, and so is every remaining one of that batch. One-shot
    commands are a programmer error while replies are owed (asserted).

    Scripts. Each script is registered once per object (same source, same
    handle) and its SHA1 taken from SCRIPT LOAD on first use. After a new
    connection, or after any NOSCRIPT reply, every script is marked unloaded, so
    the next eval loads it again; sti_redis_eval() also retries once on
    NOSCRIPT (a SCRIPT FLUSH between load and call). A script whose first line
    is a shebang with the flag no-writes ("#!lua flags=no-writes") is run
    with EVALSHA_RO: Redis counts every key given to EVALSHA as read and
    written, so a user allowed only to read a key (ACL %R~) is refused
    EVALSHA on it, but not EVALSHA_RO.

    Trust. hiredis 0.14 puts no bound on the number of elements of a reply: a
    reply header "*100000000" makes it allocate about 780 MB. Redis is trusted
    here (it is our own server, reached over a private network); a service that
    asks for a range bounds it with COUNT so honest replies stay small.
*/
#include "sti_redis.h"

#include <assert.h>
#include <ctype.h>
#include <czmq.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"
#include "sti_redis_format.h"
#include "sti_redis_url.h"

#define STI_REDIS_NS_MAX 64        // longest namespace
#define STI_REDIS_BACKOFF_MIN 100  // first reconnect delay, ms
#define STI_REDIS_BACKOFF_MAX 5000 // cap on the reconnect delay, ms
#define STI_REDIS_SENTINELS 8      // most Sentinels one connection knows

struct _sti_script_t {
    char *source;       // the Lua text (owned)
    char sha[41];       // SHA1 hex from SCRIPT LOAD ("" until loaded once)
    bool loaded;        // loaded on the current connection as far as we know
    bool read_only;     // declares no-writes: run with EVALSHA_RO
    sti_script_t *next; // next registered script
};

struct _sti_redis_t {
    redisContext *ctx;             // the live connection, NULL when down
    sti_redis_url_t url;           // server, user, password, database
    char ns[STI_REDIS_NS_MAX + 1]; // key namespace
    int connect_ms;                // connect timeout
    int command_ms;                // command (socket read/write) timeout
    int backoff_ms;                // delay before the next attempt after a failure
    int64_t next_attempt;          // zclock_mono time before which no attempt is made
    bool ever_connected;           // for the log: "connected" vs "reconnected"
    size_t pending;                // pipelined replies still owed
    char errstr[256];              // last error ("" when none)
    sti_script_t *scripts;         // registered scripts
    size_t sentinel_count;         // Sentinels to ask for the master (0: none)
    char sentinel_host[STI_REDIS_SENTINELS][STI_REDIS_HOST_MAX + 1]; // their hosts
    int sentinel_port[STI_REDIS_SENTINELS];                          // their ports
    char master[STI_REDIS_HOST_MAX + 1]; // the master's name at the Sentinels
    int replicas;                        // replicas every write must reach (0: the master only)
    uint64_t generation;                 // raised by every (re)connect (0: never connected)
    uint64_t waited;                     // generation the last WAIT was answered on (0: failed)
    uint64_t drops;                      // live connections dropped (broken, READONLY, switch)
    sti_redis_format_t format;           // argument vectors formatted (sti_redis_format.h)
};

__attribute__((format(printf, 2, 3))) static void s_seterr(sti_redis_t *self, const char *format,
                                                           ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(self->errstr, sizeof self->errstr, format, args);
    va_end(args);
}

//  --- connection ---

static struct timeval s_tv(int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    return tv;
}

static void s_drop(sti_redis_t *self, const char *why)
{
    if (self->ctx) {
        sti_warn("redis %s:%d: connection lost: %s", self->url.host, self->url.port, why);
        redisFree(self->ctx);
        self->ctx = NULL;
        self->drops++;
    }
    self->pending = 0;
}

//  Sends one command during the handshake; returns 0 if it gave no error.
static int s_handshake_command(sti_redis_t *self, int argc, const char **argv)
{
    redisReply *reply = redisCommandArgv(self->ctx, argc, argv, NULL);
    if (!reply) {
        s_seterr(self, "%s: %s", argv[0], self->ctx->errstr);
        return -1;
    }
    int rc = 0;
    if (reply->type == REDIS_REPLY_ERROR) {
        s_seterr(self, "%s refused: %.200s", argv[0], reply->str);
        rc = -1;
    }
    freeReplyObject(reply);
    return rc;
}

//  Asks one Sentinel for the master's address into host/port. Returns 0 or -1.
static int s_ask_sentinel(sti_redis_t *self, size_t index)
{
    redisContext *ctx = redisConnectWithTimeout(self->sentinel_host[index],
                                                self->sentinel_port[index], s_tv(self->connect_ms));
    redisReply *reply = NULL;
    int rc = -1;
    if (ctx && !ctx->err && redisSetTimeout(ctx, s_tv(self->command_ms)) == REDIS_OK) {
        if (self->url.password[0] && self->url.user[0]) {
            reply =
                (redisReply *)redisCommand(ctx, "AUTH %s %s", self->url.user, self->url.password);
        } else if (self->url.password[0]) {
            reply = (redisReply *)redisCommand(ctx, "AUTH %s", self->url.password);
        }
        if (reply) {
            freeReplyObject(reply);
        }
        reply =
            (redisReply *)redisCommand(ctx, "SENTINEL get-master-addr-by-name %s", self->master);
    }
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[0]->type == REDIS_REPLY_STRING &&
        reply->element[0]->len <= STI_REDIS_HOST_MAX &&
        reply->element[1]->type == REDIS_REPLY_STRING) {
        long port = strtol(reply->element[1]->str, NULL, 10);
        if (port > 0 && port < 65536) {
            snprintf(self->url.host, sizeof self->url.host, "%s", reply->element[0]->str);
            self->url.port = (int)port;
            rc = 0;
        }
    }
    if (rc != 0) {
        s_seterr(self, "sentinel %s:%d knows no master '%s'%s%s", self->sentinel_host[index],
                 self->sentinel_port[index], self->master, ctx && ctx->err ? ": " : "",
                 ctx && ctx->err ? ctx->errstr : "");
    }
    if (reply) {
        freeReplyObject(reply);
    }
    if (ctx) {
        redisFree(ctx);
    }
    return rc;
}

//  Finds the master through the Sentinels, in turn. Returns 0 or -1.
static int s_find_master(sti_redis_t *self)
{
    for (size_t i = 0; i < self->sentinel_count; i++) {
        if (s_ask_sentinel(self, i) == 0) {
            return 0;
        }
    }
    return -1;
}

//  With Sentinels, checks the server reached is the master. Returns 0 or -1.
static int s_check_master(sti_redis_t *self)
{
    redisReply *reply = (redisReply *)redisCommand(self->ctx, "ROLE");
    bool master = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
                  reply->element[0]->type == REDIS_REPLY_STRING &&
                  strcmp(reply->element[0]->str, "master") == 0;
    if (reply) {
        freeReplyObject(reply);
    }
    if (!master) {
        s_seterr(self, "%s:%d is not the master of '%s' (yet)", self->url.host, self->url.port,
                 self->master);
    }
    return master ? 0 : -1;
}

//  One connection attempt: connect, timeouts, AUTH, SELECT. Returns 0 or -1.
static int s_connect_once(sti_redis_t *self)
{
    if (self->sentinel_count && s_find_master(self) != 0) {
        return -1;
    }
    self->ctx = redisConnectWithTimeout(self->url.host, self->url.port, s_tv(self->connect_ms));
    if (!self->ctx || self->ctx->err) {
        s_seterr(self, "connect %s:%d: %s", self->url.host, self->url.port,
                 self->ctx ? self->ctx->errstr : "out of memory");
        goto fail;
    }
    if (redisSetTimeout(self->ctx, s_tv(self->command_ms)) != REDIS_OK) {
        s_seterr(self, "cannot set the command timeout");
        goto fail;
    }
    if (self->url.password[0]) {
        const char *auth_user[] = {"AUTH", self->url.user, self->url.password};
        const char *auth[] = {"AUTH", self->url.password};
        int rc = self->url.user[0] ? s_handshake_command(self, 3, auth_user)
                                   : s_handshake_command(self, 2, auth);
        if (rc != 0) {
            goto fail;
        }
    }
    if (self->url.db != 0) {
        char db[16];
        snprintf(db, sizeof db, "%d", self->url.db);
        const char *select[] = {"SELECT", db};
        if (s_handshake_command(self, 2, select) != 0) {
            goto fail;
        }
    }
    if (self->sentinel_count && s_check_master(self) != 0) {
        goto fail;
    }
    return 0;
fail:
    if (self->ctx) {
        redisFree(self->ctx);
        self->ctx = NULL;
    }
    return -1;
}

//  Makes sure there is a connection, trying to connect if the back-off delay
//  has passed. Returns 0 when connected, -1 with errstr set otherwise.
static int s_ensure(sti_redis_t *self)
{
    if (self->ctx) {
        return 0;
    }
    int64_t now = zclock_mono();
    if (now < self->next_attempt) {
        s_seterr(self, "not connected to %s:%d (next attempt in %d ms)", self->url.host,
                 self->url.port, (int)(self->next_attempt - now));
        return -1;
    }
    if (s_connect_once(self) != 0) {
        self->next_attempt = zclock_mono() + self->backoff_ms;
        self->backoff_ms = self->backoff_ms * 2 > STI_REDIS_BACKOFF_MAX ? STI_REDIS_BACKOFF_MAX
                                                                        : self->backoff_ms * 2;
        return -1;
    }
    sti_info("redis %s:%d: %s", self->url.host, self->url.port,
             self->ever_connected ? "reconnected" : "connected");
    self->ever_connected = true;
    self->generation++;
    self->backoff_ms = STI_REDIS_BACKOFF_MIN;
    self->next_attempt = 0;
    self->pending = 0;
    for (sti_script_t *script = self->scripts; script; script = script->next) {
        script->loaded = false;
    }
    return 0;
}

//  After a NULL reply: records why, drops the connection.
static void s_broken(sti_redis_t *self)
{
    s_seterr(self, "redis %s:%d: %s", self->url.host, self->url.port,
             self->ctx && self->ctx->errstr[0] ? self->ctx->errstr : "connection failed");
    s_drop(self, self->errstr);
}

//  Keeps errstr in step with a reply: an error reply's text, else "".
static redisReply *s_checked(sti_redis_t *self, redisReply *reply)
{
    if (!reply) {
        s_broken(self);
        return NULL;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        s_seterr(self, "%.200s", reply->str);
        if (strncmp(reply->str, "NOSCRIPT", 8) == 0) {
            for (sti_script_t *script = self->scripts; script; script = script->next) {
                script->loaded = false;
            }
        } else if (strncmp(reply->str, "READONLY", 8) == 0 && self->sentinel_count &&
                   !self->pending) {
            //  The master became a replica (fail-over): find the new one next time.
            s_drop(self, "the server is a replica now");
        }
    } else {
        self->errstr[0] = 0;
    }
    return reply;
}

sti_redis_t *sti_redis_new(const char *url, const char *ns, char *err, size_t errlen)
{
    sti_redis_t *self = calloc(1, sizeof *self);
    assert(self);
    if (sti_redis_url_parse(url, &self->url, err, errlen) != 0) {
        free(self);
        return NULL;
    }
    ns = ns ? ns : "sti";
    size_t nslen = strlen(ns);
    if (nslen == 0 || nslen > STI_REDIS_NS_MAX || strpbrk(ns, " \t\r\n")) {
        snprintf(err, errlen, "namespace must be 1 to %d bytes without spaces", STI_REDIS_NS_MAX);
        free(self);
        return NULL;
    }
    memcpy(self->ns, ns, nslen + 1);
    self->connect_ms = 2000;
    self->command_ms = 5000;
    self->backoff_ms = STI_REDIS_BACKOFF_MIN;
    if (s_ensure(self) != 0) {
        sti_warn("redis: %s; will retry", self->errstr);
    }
    return self;
}

sti_redis_t *sti_redis_dup(sti_redis_t *self)
{
    assert(self);
    sti_redis_t *copy = calloc(1, sizeof *copy);
    assert(copy);
    copy->url = self->url;
    memcpy(copy->ns, self->ns, sizeof copy->ns);
    copy->connect_ms = self->connect_ms;
    copy->command_ms = self->command_ms;
    copy->backoff_ms = STI_REDIS_BACKOFF_MIN;
    copy->sentinel_count = self->sentinel_count;
    memcpy(copy->sentinel_host, self->sentinel_host, sizeof copy->sentinel_host);
    memcpy(copy->sentinel_port, self->sentinel_port, sizeof copy->sentinel_port);
    memcpy(copy->master, self->master, sizeof copy->master);
    copy->replicas = self->replicas;
    if (s_ensure(copy) != 0) {
        sti_warn("redis: %s; will retry", copy->errstr);
    }
    return copy;
}

int sti_redis_fd(sti_redis_t *self)
{
    assert(self);
    return self->ctx ? self->ctx->fd : -1;
}

int sti_redis_flush(sti_redis_t *self)
{
    assert(self);
    if (!self->ctx) {
        return -1;
    }
    int done = 0;
    while (!done) {
        if (redisBufferWrite(self->ctx, &done) != REDIS_OK) {
            s_broken(self);
            return -1;
        }
    }
    return 0;
}

void sti_redis_destroy(sti_redis_t **self_p)
{
    assert(self_p);
    sti_redis_t *self = *self_p;
    if (!self) {
        return;
    }
    if (self->ctx) {
        redisFree(self->ctx);
    }
    while (self->scripts) {
        sti_script_t *next = self->scripts->next;
        free(self->scripts->source);
        free(self->scripts);
        self->scripts = next;
    }
    explicit_bzero(self->url.password, sizeof self->url.password);
    sti_redis_format_free(&self->format);
    free(self);
    *self_p = NULL;
}

int sti_redis_set_sentinels(sti_redis_t *self, const char *sentinels, const char *master, char *err,
                            size_t errlen)
{
    assert(self && sentinels && master);
    if (!*master || strlen(master) > STI_REDIS_HOST_MAX) {
        snprintf(err, errlen, "redis_master_name must be 1 to %d bytes", STI_REDIS_HOST_MAX);
        return -1;
    }
    int count = sti_redis_sentinels_parse(sentinels, STI_REDIS_SENTINELS, self->sentinel_host,
                                          self->sentinel_port, err, errlen);
    if (count < 0) {
        return -1;
    }
    s_drop(self, "switching to Sentinel");
    self->sentinel_count = (size_t)count;
    snprintf(self->master, sizeof self->master, "%s", master);
    self->next_attempt = 0;
    return 0;
}

void sti_redis_set_timeouts(sti_redis_t *self, int connect_ms, int command_ms)
{
    assert(self && connect_ms > 0 && command_ms > 0);
    self->connect_ms = connect_ms;
    self->command_ms = command_ms;
    if (self->ctx) {
        redisSetTimeout(self->ctx, s_tv(command_ms));
    }
}

void sti_redis_set_replicas(sti_redis_t *self, int replicas)
{
    assert(self && replicas >= 0);
    self->replicas = replicas;
}

int sti_redis_replicas(sti_redis_t *self)
{
    assert(self);
    return self->replicas;
}

long long sti_redis_wait_replicas(sti_redis_t *self, int replicas, int timeout_ms)
{
    assert(self && replicas > 0 && timeout_ms > 0);
    assert(self->pending == 0);
    if (s_ensure(self) != 0) {
        return -1;
    }
    //  WAIT answers only after timeout_ms: the socket gives it that long on
    //  top of the usual command timeout, so a long WAIT is not cut off as a
    //  dead server (and the connection dropped) before Redis answers.
    char want[16], ms[16];
    snprintf(want, sizeof want, "%d", replicas);
    snprintf(ms, sizeof ms, "%d", timeout_ms);
    const char *argv[] = {"WAIT", want, ms};
    redisSetTimeout(self->ctx, s_tv(self->command_ms + timeout_ms));
    redisReply *reply = s_checked(self, redisCommandArgv(self->ctx, 3, argv, NULL));
    if (self->ctx) {
        redisSetTimeout(self->ctx, s_tv(self->command_ms));
    }
    long long held = -1;
    self->waited = 0;
    if (reply && reply->type == REDIS_REPLY_INTEGER) {
        held = reply->integer;
        self->waited = self->generation; // a reply: the connection is the one it was sent on
    } else if (reply) {
        s_seterr(self, "WAIT: %s", reply->type == REDIS_REPLY_ERROR ? reply->str : "not a number");
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return held;
}

uint64_t sti_redis_generation(sti_redis_t *self)
{
    assert(self);
    return self->generation;
}

uint64_t sti_redis_waited(sti_redis_t *self)
{
    assert(self);
    return self->waited;
}

bool sti_redis_connected(sti_redis_t *self)
{
    assert(self);
    return self->ctx != NULL;
}

int sti_redis_wait(sti_redis_t *self, int timeout_ms)
{
    assert(self);
    int64_t deadline = zclock_mono() + timeout_ms;
    while (s_ensure(self) != 0) {
        int64_t now = zclock_mono();
        if (now >= deadline || zsys_interrupted) {
            return -1;
        }
        int64_t until = self->next_attempt < deadline ? self->next_attempt : deadline;
        int delay = until > now ? (int)(until - now) : 0;
        poll(NULL, 0, delay > 50 ? 50 : delay);
    }
    return 0;
}

const char *sti_redis_namespace(sti_redis_t *self)
{
    assert(self);
    return self->ns;
}

char *sti_redis_describe(sti_redis_t *self, char *buf, size_t cap)
{
    assert(self && buf && cap > 0);
    char master[STI_REDIS_HOST_MAX + 48] = "";
    if (self->sentinel_count) {
        snprintf(master, sizeof master, " (master %s via %zu sentinels)", self->master,
                 self->sentinel_count);
    }
    snprintf(buf, cap, "%s:%d/%d%s%s%s", self->url.host, self->url.port, self->url.db,
             self->url.user[0] ? " as " : "", self->url.user, master);
    return buf;
}

const char *sti_redis_errstr(sti_redis_t *self)
{
    assert(self);
    return self->errstr;
}

//  --- commands ---

redisReply *sti_redis_command(sti_redis_t *self, const char *format, ...)
{
    assert(self && format);
    assert(self->pending == 0); // a one-shot command in the middle of a pipeline
    if (s_ensure(self) != 0) {
        return NULL;
    }
    va_list args;
    va_start(args, format);
    redisReply *reply = redisvCommand(self->ctx, format, args);
    va_end(args);
    return s_checked(self, reply);
}

redisReply *sti_redis_argv(sti_redis_t *self, int argc, const char **argv, const size_t *lens)
{
    assert(self && argc > 0 && argv);
    assert(self->pending == 0);
    if (s_ensure(self) != 0) {
        return NULL;
    }
    redisReply *reply = NULL; // redisCommandArgv, with the command formatted here
    if (sti_redis_format_append(&self->format, self->ctx, argc, argv, lens) != REDIS_OK ||
        redisGetReply(self->ctx, (void **)&reply) != REDIS_OK) {
        reply = NULL;
    }
    return s_checked(self, reply);
}

//  Whether a command lost its connection (drops moved from before: it broke,
//  or READONLY in a fail-over dropped it; one down already is not), so it
//  may be sent once more, at once (a drop sets no back-off). Frees reply.
static bool s_broke_under(sti_redis_t *self, uint64_t before, redisReply *reply)
{
    if (self->drops == before) {
        return false;
    }
    freeReplyObject(reply); // NULL or the READONLY error
    return true;
}

redisReply *sti_redis_argv_retry(sti_redis_t *self, int argc, const char **argv, const size_t *lens)
{
    uint64_t before = self->drops;
    redisReply *reply = sti_redis_argv(self, argc, argv, lens);
    return s_broke_under(self, before, reply) ? sti_redis_argv(self, argc, argv, lens) : reply;
}

int sti_redis_append(sti_redis_t *self, int argc, const char **argv, const size_t *lens)
{
    assert(self && argc > 0 && argv);
    if (s_ensure(self) != 0) {
        return -1;
    }
    if (sti_redis_format_append(&self->format, self->ctx, argc, argv, lens) != REDIS_OK) {
        s_broken(self);
        return -1;
    }
    self->pending++;
    return 0;
}

int sti_redis_appendf(sti_redis_t *self, const char *format, ...)
{
    assert(self && format);
    if (s_ensure(self) != 0) {
        return -1;
    }
    va_list args;
    va_start(args, format);
    int rc = redisvAppendCommand(self->ctx, format, args);
    va_end(args);
    if (rc != REDIS_OK) {
        s_broken(self);
        return -1;
    }
    self->pending++;
    return 0;
}

redisReply *sti_redis_reply(sti_redis_t *self)
{
    assert(self);
    if (!self->ctx) {
        return NULL; // the batch died with its connection; errstr says why
    }
    if (self->pending == 0) {
        s_seterr(self, "no reply pending");
        return NULL;
    }
    void *reply = NULL;
    if (redisGetReply(self->ctx, &reply) != REDIS_OK) {
        s_broken(self);
        return NULL;
    }
    self->pending--;
    return s_checked(self, reply);
}

//  --- scripts ---

//  True when the script's first line is a shebang ("#!lua ...") whose
//  flags= list holds no-writes.
static bool s_declares_no_writes(const char *source)
{
    if (strncmp(source, "#!lua", 5) != 0) {
        return false;
    }
    size_t line = strcspn(source, "\n");
    const char *flags = strstr(source, " flags=");
    if (!flags || (size_t)(flags - source) >= line) {
        return false;
    }
    for (const char *flag = flags + 7; flag < source + line;) {
        size_t len = strcspn(flag, ", \n");
        if (len == 9 && strncmp(flag, "no-writes", 9) == 0) {
            return true;
        }
        if (flag[len] != ',') {
            break;
        }
        flag += len + 1;
    }
    return false;
}

sti_script_t *sti_redis_script(sti_redis_t *self, const char *source)
{
    assert(self && source);
    for (sti_script_t *script = self->scripts; script; script = script->next) {
        if (strcmp(script->source, source) == 0) {
            return script;
        }
    }
    sti_script_t *script = calloc(1, sizeof *script);
    assert(script);
    script->source = strdup(source);
    assert(script->source);
    script->read_only = s_declares_no_writes(source);
    script->next = self->scripts;
    self->scripts = script;
    return script;
}

int sti_redis_script_load(sti_redis_t *self, sti_script_t *script)
{
    assert(self && script);
    if (script->loaded && self->ctx) {
        return 0;
    }
    const char *argv[] = {"SCRIPT", "LOAD", script->source};
    redisReply *reply = sti_redis_argv(self, 3, argv, NULL);
    if (!reply) {
        return -1;
    }
    int rc = -1;
    if (reply->type == REDIS_REPLY_STRING && reply->len == 40) {
        memcpy(script->sha, reply->str, 40);
        script->sha[40] = 0;
        script->loaded = true;
        rc = 0;
    } else if (reply->type != REDIS_REPLY_ERROR) {
        s_seterr(self, "SCRIPT LOAD: unexpected reply");
    }
    freeReplyObject(reply);
    return rc;
}

//  Builds EVALSHA sha nkeys argv... into new arrays (caller frees both).
static int s_evalsha_argv(sti_script_t *script, int nkeys, int nargs, const char **argv,
                          const size_t *lens, const char ***out, size_t **outlens, char *nkeys_text,
                          size_t cap)
{
    int total = 3 + nkeys + nargs;
    const char **args = calloc((size_t)total, sizeof *args);
    size_t *arglens = calloc((size_t)total, sizeof *arglens);
    assert(args && arglens);
    snprintf(nkeys_text, cap, "%d", nkeys);
    args[0] = script->read_only ? "EVALSHA_RO" : "EVALSHA";
    args[1] = script->sha;
    args[2] = nkeys_text;
    for (int i = 0; i < 3; i++) {
        arglens[i] = strlen(args[i]);
    }
    for (int i = 0; i < nkeys + nargs; i++) {
        args[3 + i] = argv[i];
        arglens[3 + i] = lens ? lens[i] : strlen(argv[i]);
    }
    *out = args;
    *outlens = arglens;
    return total;
}

redisReply *sti_redis_eval(sti_redis_t *self, sti_script_t *script, int nkeys, int nargs,
                           const char **argv, const size_t *lens)
{
    assert(self && script && nkeys >= 0 && nargs >= 0);
    assert(nkeys + nargs == 0 || argv);
    if (sti_redis_script_load(self, script) != 0) {
        return NULL;
    }
    const char **args;
    size_t *arglens;
    char nkeys_text[16];
    int total = s_evalsha_argv(script, nkeys, nargs, argv, lens, &args, &arglens, nkeys_text,
                               sizeof nkeys_text);
    redisReply *reply = sti_redis_argv(self, total, args, arglens);
    if (reply && reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOSCRIPT", 8) == 0) {
        //  Flushed between load and call: a script that did not run can be sent again.
        freeReplyObject(reply);
        reply = NULL;
        if (sti_redis_script_load(self, script) == 0) {
            reply = sti_redis_argv(self, total, args, arglens);
        }
    }
    free(args);
    free(arglens);
    return reply;
}

redisReply *sti_redis_eval_retry(sti_redis_t *self, sti_script_t *script, int nkeys, int nargs,
                                 const char **argv, const size_t *lens, bool *again)
{
    uint64_t before = self->drops;
    redisReply *reply = sti_redis_eval(self, script, nkeys, nargs, argv, lens);
    bool twice = s_broke_under(self, before, reply);
    if (again) {
        *again = twice;
    }
    return twice ? sti_redis_eval(self, script, nkeys, nargs, argv, lens) : reply;
}

int sti_redis_eval_append(sti_redis_t *self, sti_script_t *script, int nkeys, int nargs,
                          const char **argv, const size_t *lens)
{
    assert(self && script && nkeys >= 0 && nargs >= 0);
    assert(nkeys + nargs == 0 || argv);
    if (!script->loaded || !self->ctx) {
        if (self->pending > 0) {
            s_seterr(self, "script not loaded on this connection: load it before the batch");
            return -1;
        }
        if (sti_redis_script_load(self, script) != 0) {
            return -1;
        }
    }
    const char **args;
    size_t *arglens;
    char nkeys_text[16];
    int total = s_evalsha_argv(script, nkeys, nargs, argv, lens, &args, &arglens, nkeys_text,
                               sizeof nkeys_text);
    int rc = sti_redis_append(self, total, args, arglens);
    free(args);
    free(arglens);
    return rc;
}
