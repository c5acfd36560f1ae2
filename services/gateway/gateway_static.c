/*  gateway_static: see gateway_static.h.

    The file is sent from its descriptor (MHD_create_response_from_fd64:
    libmicrohttpd reads it as the socket takes it, and closes it), so a
    large file costs no memory. The directory's real path is taken once at
    start; each request's file is opened by its real path after checking
    that it lies inside, so a symbolic link may point anywhere within the
    directory but never out of it.
*/
#include "gateway_static.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define S_IMMUTABLE "public, max-age=31536000, immutable"
#define S_HASH_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

struct _gateway_static_t {
    gateway_server_t *server; // borrowed
    char *root;               // the directory's real path (owned)
};

//  --- the parts ---

int gateway_static_relative(const char *path, char *rel, size_t cap)
{
    assert(path && rel && cap > 0);
    if (path[0] != '/') {
        return -1;
    }
    const char *start = path + 1;
    size_t len = strlen(start);
    for (const char *at = start; *at; at++) {
        if ((unsigned char)*at < 0x20 || *at == 0x7f || *at == '\\') {
            return -1;
        }
    }
    if (strstr(start, "%00")) {
        return -1; // a NUL, as gateway_request_unescape leaves it
    }
    for (const char *segment = start; *segment;) {
        size_t n = strcspn(segment, "/");
        if (n == 0 || segment[0] == '.') {
            return -1; // "//", "/./", "/../", "/.env"
        }
        segment += n + (segment[n] == '/');
    }
    bool dir = len == 0 || start[len - 1] == '/';
    int n = snprintf(rel, cap, "%s%s", start, dir ? "index.html" : "");
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int gateway_static_open(const char *root, const char *rel, struct stat *st)
{
    assert(root && rel && st);
    char joined[PATH_MAX];
    char real[PATH_MAX];
    size_t root_len = strlen(root);
    int n = snprintf(joined, sizeof joined, "%s/%s", root, rel);
    if (n < 0 || (size_t)n >= sizeof joined || !realpath(joined, real)) {
        return -1;
    }
    if (strncmp(real, root, root_len) != 0 || real[root_len] != '/') {
        return -1; // out of the directory (a link, or root itself)
    }
    int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        return -1;
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return -1;
    }
    return fd;
}

const char *gateway_static_type(const char *name)
{
    static const char *const types[][2] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"webmanifest", "application/manifest+json"},
        {"txt", "text/plain; charset=utf-8"},
        {"csv", "text/csv; charset=utf-8"},
        {"xml", "application/xml"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"avif", "image/avif"},
        {"ico", "image/x-icon"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"ttf", "font/ttf"},
        {"otf", "font/otf"},
        {"wasm", "application/wasm"},
        {"pdf", "application/pdf"},
        {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    };
    const char *base = strrchr(name, '/');
    const char *dot = strrchr(base ? base : name, '.');
    if (dot) {
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
            if (strcasecmp(dot + 1, types[i][0]) == 0) {
                return types[i][1];
            }
        }
    }
    return "application/octet-stream";
}

//  True when the len bytes at part are hash characters (dash too when
//  dash) with a digit or a capital.
static bool s_hash_part(const char *part, size_t len, bool dash)
{
    bool mixed = false;
    for (size_t i = 0; i < len; i++) {
        char c = part[i];
        if (!strchr(S_HASH_CHARS, c) || (c == '-' && !dash)) {
            return false;
        }
        mixed = mixed || isdigit((unsigned char)c) || isupper((unsigned char)c);
    }
    return mixed;
}

bool gateway_static_hashed(const char *name)
{
    assert(name);
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base) {
        return false;
    }
    size_t stem = (size_t)(dot - base);
    //  Rollup's and Vite's: 8 characters (a dash among them) after a '-' or '.'.
    if (stem > 9 && strchr("-.", base[stem - 9]) && s_hash_part(base + stem - 8, 8, true)) {
        return true;
    }
    //  webpack's and others': 8 to 64 after the last '-' or '.'.
    size_t from = stem;
    while (from > 0 && base[from - 1] != '-' && base[from - 1] != '.') {
        from--;
    }
    size_t len = stem - from;
    return from > 1 && len >= 8 && len <= 64 && s_hash_part(base + from, len, false);
}

void gateway_static_etag(const struct stat *st, const char *encoding, char *etag, size_t cap)
{
    assert(st && etag);
    snprintf(etag, cap, "\"%llx-%llx%s%s\"", (unsigned long long)st->st_size,
             (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)st->st_mtim.tv_nsec,
             encoding ? "-" : "", encoding ? encoding : "");
}

bool gateway_static_etag_matches(const char *if_none_match, const char *etag)
{
    assert(etag);
    if (!if_none_match) {
        return false;
    }
    size_t etag_len = strlen(etag);
    for (const char *at = if_none_match; *at;) {
        at += strspn(at, " \t,");
        size_t len = strcspn(at, ",");
        while (len > 0 && (at[len - 1] == ' ' || at[len - 1] == '\t')) {
            len--;
        }
        const char *tag = at;
        if (len > 2 && strncmp(tag, "W/", 2) == 0) {
            tag += 2;
            len -= 2;
        }
        if ((len == 1 && *tag == '*') || (len == etag_len && memcmp(tag, etag, len) == 0)) {
            return true;
        }
        at = tag + len;
        at += strcspn(at, ",");
    }
    return false;
}

//  True when the parameters of one coding (";q=0", "; q=0.000") refuse it.
static bool s_refused(const char *params, size_t len)
{
    char text[64];
    snprintf(text, sizeof text, "%.*s", (int)(len < sizeof text ? len : sizeof text - 1), params);
    const char *q = strstr(text, "q=");
    if (!q) {
        q = strstr(text, "Q=");
    }
    return q && strtod(q + 2, NULL) <= 0.0;
}

unsigned gateway_static_accepts(const char *accept_encoding)
{
    unsigned taken = 0, named = 0;
    bool star = false;
    for (const char *at = accept_encoding ? accept_encoding : ""; *at;) {
        at += strspn(at, " \t,");
        size_t len = strcspn(at, ",");
        size_t token = strcspn(at, " \t;,");
        bool refused = s_refused(at + token, len - token);
        unsigned bit = 0;
        if (token == 2 && strncasecmp(at, "br", 2) == 0) {
            bit = GATEWAY_STATIC_BR;
        } else if ((token == 4 && strncasecmp(at, "gzip", 4) == 0) ||
                   (token == 6 && strncasecmp(at, "x-gzip", 6) == 0)) {
            bit = GATEWAY_STATIC_GZIP;
        } else if (token == 1 && *at == '*') {
            star = !refused;
        }
        named |= bit;
        taken |= refused ? 0 : bit;
        at += len;
    }
    if (star) {
        taken |= (GATEWAY_STATIC_BR | GATEWAY_STATIC_GZIP) & ~named;
    }
    return taken;
}

//  --- the answer ---

gateway_static_t *gateway_static_new(gateway_server_t *server, const char *dir, char *err,
                                     size_t errlen)
{
    assert(server && dir);
    char *root = realpath(dir, NULL);
    struct stat st;
    if (!root || stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "static_dir: '%s' is not a directory (%s)", dir,
                 root ? "not a directory" : strerror(errno));
        free(root);
        return NULL;
    }
    gateway_static_t *self = calloc(1, sizeof *self);
    assert(self);
    self->server = server;
    self->root = root;
    return self;
}

void gateway_static_destroy(gateway_static_t **self_p)
{
    assert(self_p);
    gateway_static_t *self = *self_p;
    if (self) {
        free(self->root);
        free(self);
        *self_p = NULL;
    }
}

//  The file to send for rel: FILE.br or FILE.gz when taken and present,
//  else FILE. Returns its descriptor with st and *encoding set, or -1.
static int s_open_variant(gateway_static_t *self, gateway_request_t *req, const char *rel,
                          struct stat *st, const char **encoding)
{
    const char *header =
        MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "Accept-Encoding");
    unsigned taken = gateway_static_accepts(header);
    static const struct {
        unsigned bit;
        const char *suffix, *name;
    } variants[] = {{GATEWAY_STATIC_BR, ".br", "br"}, {GATEWAY_STATIC_GZIP, ".gz", "gzip"}};
    for (size_t i = 0; i < 2; i++) {
        char name[PATH_MAX];
        if (!(taken & variants[i].bit) ||
            snprintf(name, sizeof name, "%s%s", rel, variants[i].suffix) >= (int)sizeof name) {
            continue;
        }
        int fd = gateway_static_open(self->root, name, st);
        if (fd >= 0) {
            *encoding = variants[i].name;
            return fd;
        }
    }
    *encoding = NULL;
    return gateway_static_open(self->root, rel, st);
}

//  Queues a 304 or the file (fd taken) with its headers.
static void s_queue(gateway_static_t *self, gateway_request_t *req, const char *rel, int fd,
                    const struct stat *st, const char *encoding)
{
    char etag[GATEWAY_STATIC_ETAG_MAX];
    gateway_static_etag(st, encoding, etag, sizeof etag);
    const char *match =
        MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "If-None-Match");
    bool fresh = gateway_static_etag_matches(match, etag);
    struct MHD_Response *response =
        fresh ? MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT)
              : MHD_create_response_from_fd64((uint64_t)st->st_size, fd);
    if (fresh) {
        close(fd);
    }
    gateway_server_headers(self->server, response);
    bool index = strcmp(rel, "index.html") == 0 || strstr(rel, "/index.html");
    MHD_add_response_header(response, "Cache-Control",
                            !index && gateway_static_hashed(rel) ? S_IMMUTABLE : "no-cache");
    MHD_add_response_header(response, "ETag", etag);
    MHD_add_response_header(response, "Vary", "Accept-Encoding");
    MHD_add_response_header(response, "Content-Type", gateway_static_type(rel));
    if (encoding) {
        MHD_add_response_header(response, "Content-Encoding", encoding);
    }
    int status = fresh ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK;
    MHD_queue_response(req->connection, (unsigned)status, response);
    MHD_destroy_response(response);
    req->answered = true;
    gateway_server_counted(self->server, req, status, fresh ? 0 : (size_t)st->st_size);
}

void gateway_static_answer(gateway_static_t *self, gateway_request_t *req)
{
    assert(self && req);
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        gateway_reply_errorf(req, STI_ERR_INVALID_ARGUMENT, "%s: files answer GET and HEAD only",
                             req->path);
        gateway_reply_header(req, "Allow", "GET, HEAD");
        req->status = 405;
        return;
    }
    char rel[PATH_MAX];
    struct stat st;
    const char *encoding = NULL;
    int fd = -1;
    if (gateway_static_relative(req->path, rel, sizeof rel) == 0) {
        fd = s_open_variant(self, req, rel, &st, &encoding);
        const char *last = strrchr(rel, '/');
        if (fd < 0 && !strchr(last ? last : rel, '.')) {
            snprintf(rel, sizeof rel, "index.html"); // a route of the dashboard
            fd = s_open_variant(self, req, rel, &st, &encoding);
        }
    }
    if (fd < 0) {
        gateway_reply_errorf(req, STI_ERR_NOT_FOUND, "%s: no such file", req->path);
        return;
    }
    s_queue(self, req, rel, fd, &st, encoding);
}
