/*  sti_redis_url: where a Redis is and who to be there, from
    redis://[[user]:password@]host[:port][/db] (user and password
    percent-encoded; a password may hold an unescaped '@': the last one ends
    the credentials). Every part is checked and bounded; a reason names what
    is wrong. No TLS (rediss://) and no unix sockets.
*/
#pragma once
#include <stddef.h>

#define STI_REDIS_HOST_MAX 255  // longest host name
#define STI_REDIS_CRED_MAX 255  // longest user or password
#define STI_REDIS_DB_MAX 100000 // highest database number accepted

typedef struct {
    char host[STI_REDIS_HOST_MAX + 1];     // server host
    int port;                              // server port (6379 when not given)
    char user[STI_REDIS_CRED_MAX + 1];     // ACL user ("" for none)
    char password[STI_REDIS_CRED_MAX + 1]; // password ("" for no AUTH)
    int db;                                // database number for SELECT
} sti_redis_url_t;

//  Parses url into out. Returns 0, or -1 with a reason in err.
int sti_redis_url_parse(const char *url, sti_redis_url_t *out, char *err, size_t errlen);
//  Parses "host[:port]" or "[v6addr][:port]" (text[0..len)): the host into
//  host (cap bytes), the port or default_port into *port. Returns 0 or -1
//  with a reason in err.
int sti_redis_hostport_parse(const char *text, size_t len, int default_port, char *host, size_t cap,
                             int *port, char *err, size_t errlen);
//  Parses a Sentinel list "host:port[,host:port...]" (port 26379 when not
//  given), at most max of them, into hosts (each STI_REDIS_HOST_MAX + 1
//  bytes) and ports. Returns how many (1 at least), or -1 with a reason in
//  err.
int sti_redis_sentinels_parse(const char *text, size_t max, char (*hosts)[STI_REDIS_HOST_MAX + 1],
                              int *ports, char *err, size_t errlen);
