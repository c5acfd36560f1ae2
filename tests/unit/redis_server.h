/*  A throw-away redis-server for unit tests: started on a spare port with no
    persistence, waited for with a bounded poll, stopped with SIGTERM and
    reaped. Included by the unit tests that need Redis (header only, so it
    needs no target of its own).
*/
#pragma once
#include <arpa/inet.h>
#include <czmq.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    pid_t pid;    // the redis-server process (0 when stopped)
    int port;     // its TCP port on 127.0.0.1
    char url[64]; // redis://127.0.0.1:<port>
} test_redis_t;

//  A TCP port nobody listens on now, from 10000-19999: below the kernel's
//  ephemeral range (so no outgoing connection takes it before redis-server
//  binds it) and apart from the ports the shell tests' ledger hands out
//  (20000-31999, tests/lib.sh), so a shell test restarting a process on its
//  port never finds it taken by a unit test.
static inline int test_spare_port(void)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        int port = 10000 + (int)(zclock_usecs() % 10000);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int rc = fd >= 0 ? bind(fd, (struct sockaddr *)&addr, sizeof addr) : -1;
        if (fd >= 0) {
            close(fd);
        }
        if (rc == 0) {
            return port;
        }
    }
    fprintf(stderr, "no spare port\n");
    exit(1);
}

//  True once a PING on the port answers (any reply, even NOAUTH).
static inline bool test_redis_answers(int port)
{
    struct timeval tv = {0, 200000};
    redisContext *ctx = redisConnectWithTimeout("127.0.0.1", port, tv);
    bool up = false;
    if (ctx && !ctx->err) {
        redisReply *reply = redisCommand(ctx, "PING");
        up = reply != NULL;
        if (reply) {
            freeReplyObject(reply);
        }
    }
    if (ctx) {
        redisFree(ctx);
    }
    return up;
}

//  Starts redis-server on server->port (a spare one when 0), extra args (a
//  NULL-terminated list, may be NULL) appended. Exits the test on failure.
static inline void test_redis_start(test_redis_t *server, const char *const *extra)
{
    if (server->port == 0) {
        server->port = test_spare_port();
    }
    snprintf(server->url, sizeof server->url, "redis://127.0.0.1:%d", server->port);
    char port[16];
    snprintf(port, sizeof port, "%d", server->port);
    const char *argv[32] = {"redis-server", "--port", port,           "--bind", "127.0.0.1",
                            "--save",       "",       "--appendonly", "no",     "--loglevel",
                            "warning",      "--dir",  "/tmp"};
    int argc = 13;
    for (int i = 0; extra && extra[i] && argc < 31; i++) {
        argv[argc++] = extra[i];
    }
    argv[argc] = NULL;
    server->pid = fork();
    if (server->pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, STDOUT_FILENO);
        }
        execvp("redis-server", (char *const *)argv);
        _exit(127);
    }
    int64_t deadline = zclock_mono() + 10000;
    while (!test_redis_answers(server->port)) {
        int status;
        if (zclock_mono() > deadline || waitpid(server->pid, &status, WNOHANG) != 0) {
            fprintf(stderr, "redis-server on port %d did not start\n", server->port);
            exit(1);
        }
        zclock_sleep(20); // a bounded poll for the server to come up
    }
}

static inline void test_redis_stop(test_redis_t *server)
{
    if (server->pid > 0) {
        kill(server->pid, SIGKILL);
        waitpid(server->pid, NULL, 0);
        server->pid = 0;
    }
}
