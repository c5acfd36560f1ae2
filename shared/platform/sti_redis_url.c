/*  sti_redis_url: see sti_redis_url.h. */
#include "sti_redis_url.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int s_hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

//  Percent-decodes text[0..len) into out (cap bytes). Returns 0 or -1 (bad
//  escape, NUL byte, too long).
static int s_decode(const char *text, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)text[i];
        if (c == '%') {
            if (i + 2 >= len) {
                return -1;
            }
            int hi = s_hexval(text[i + 1]), lo = s_hexval(text[i + 2]);
            if (hi < 0 || lo < 0) {
                return -1;
            }
            c = hi * 16 + lo;
            i += 2;
        }
        if (c == 0 || n + 1 >= cap) {
            return -1;
        }
        out[n++] = (char)c;
    }
    out[n] = 0;
    return 0;
}

//  Parses decimal digits text[0..len) into *value <= max. Returns 0 or -1.
static int s_number(const char *text, size_t len, long max, long *value)
{
    if (len == 0 || len > 9) {
        return -1;
    }
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return -1;
        }
        v = v * 10 + (text[i] - '0');
    }
    if (v > max) {
        return -1;
    }
    *value = v;
    return 0;
}

//  Splits "[user]:password" (userinfo without the '@'). Returns 0 or -1.
static int s_parse_userinfo(sti_redis_url_t *self, const char *info, size_t len, char *err,
                            size_t errlen)
{
    const char *colon = memchr(info, ':', len);
    if (!colon) {
        snprintf(err, errlen, "credentials must be [user]:password");
        return -1;
    }
    size_t ulen = (size_t)(colon - info);
    if (s_decode(info, ulen, self->user, sizeof self->user) != 0 ||
        s_decode(colon + 1, len - ulen - 1, self->password, sizeof self->password) != 0) {
        snprintf(err, errlen, "bad user or password (escape, NUL or longer than %d bytes)",
                 STI_REDIS_CRED_MAX);
        return -1;
    }
    if (self->password[0] == 0) {
        snprintf(err, errlen, "empty password");
        return -1;
    }
    return 0;
}

int sti_redis_hostport_parse(const char *text, size_t len, int default_port, char *host_out,
                             size_t cap, int *port_out, char *err, size_t errlen)
{
    assert(text && host_out && port_out && err);
    const char *host = text, *rest;
    size_t hlen;
    if (len > 0 && text[0] == '[') {
        const char *close = memchr(text, ']', len);
        if (!close) {
            snprintf(err, errlen, "unclosed [ in host");
            return -1;
        }
        host = text + 1;
        hlen = (size_t)(close - host);
        rest = close + 1;
    } else {
        const char *colon = memchr(text, ':', len);
        hlen = colon ? (size_t)(colon - text) : len;
        rest = text + hlen;
    }
    size_t rlen = len - (size_t)(rest - text);
    if (hlen == 0 || hlen > STI_REDIS_HOST_MAX || hlen >= cap) {
        snprintf(err, errlen, "host missing or longer than %d bytes", STI_REDIS_HOST_MAX);
        return -1;
    }
    for (size_t i = 0; i < hlen; i++) {
        char c = host[i];
        if (!(isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_' || c == ':')) {
            snprintf(err, errlen, "bad character in host");
            return -1;
        }
    }
    memcpy(host_out, host, hlen);
    host_out[hlen] = 0;
    *port_out = default_port;
    if (rlen > 0) {
        long port;
        if (rest[0] != ':' || s_number(rest + 1, rlen - 1, 65535, &port) != 0 || port == 0) {
            snprintf(err, errlen, "port must be a number from 1 to 65535");
            return -1;
        }
        *port_out = (int)port;
    }
    return 0;
}

int sti_redis_url_parse(const char *url, sti_redis_url_t *self, char *err, size_t errlen)
{
    assert(self && err);
    memset(self, 0, sizeof *self);
    static const char scheme[] = "redis://";
    if (!url || strncmp(url, scheme, strlen(scheme)) != 0) {
        snprintf(err, errlen,
                 "Redis URL must start with redis:// (rediss:// and unix "
                 "sockets are not supported)");
        return -1;
    }
    const char *authority = url + strlen(scheme);
    if (strpbrk(authority, "?#")) {
        snprintf(err, errlen, "Redis URL takes no query or fragment");
        return -1;
    }
    const char *slash = strchr(authority, '/');
    size_t alen = slash ? (size_t)(slash - authority) : strlen(authority);
    //  The last '@' ends the credentials (a password may hold '@' unescaped).
    const char *at = NULL;
    for (const char *p = authority; p < authority + alen; p++) {
        if (*p == '@') {
            at = p;
        }
    }
    const char *hostport = authority;
    if (at) {
        if (s_parse_userinfo(self, authority, (size_t)(at - authority), err, errlen) != 0) {
            return -1;
        }
        hostport = at + 1;
    }
    if (sti_redis_hostport_parse(hostport, alen - (size_t)(hostport - authority), 6379, self->host,
                                 sizeof self->host, &self->port, err, errlen) != 0) {
        return -1;
    }
    self->db = 0;
    if (slash && slash[1]) {
        long db;
        if (s_number(slash + 1, strlen(slash + 1), STI_REDIS_DB_MAX, &db) != 0) {
            snprintf(err, errlen, "database must be a number from 0 to %d", STI_REDIS_DB_MAX);
            return -1;
        }
        self->db = (int)db;
    }
    return 0;
}

int sti_redis_sentinels_parse(const char *text, size_t max, char (*hosts)[STI_REDIS_HOST_MAX + 1],
                              int *ports, char *err, size_t errlen)
{
    assert(text && hosts && ports);
    size_t count = 0;
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, ",");
        if (count == max) {
            snprintf(err, errlen, "redis_sentinels: at most %zu", max);
            return -1;
        }
        if (sti_redis_hostport_parse(p, len, 26379, hosts[count], STI_REDIS_HOST_MAX + 1,
                                     &ports[count], err, errlen) != 0) {
            return -1;
        }
        count++;
        p += len + (p[len] == ',');
    }
    if (count == 0) {
        snprintf(err, errlen, "redis_sentinels: give host:port[,host:port...]");
        return -1;
    }
    return (int)count;
}
