/*  gateway_static: the files of the web dashboard, from the directory of
    the setting static_dir (docs/gateway.md, "Static files").

    GET and HEAD of a path outside /api/ and the health endpoints: "/" is
    index.html, "/dir/" is dir/index.html, a path whose last segment has no
    dot and names no file is index.html too (the dashboard's own routes).
    Every answer has an ETag (size and modification time, and the encoding
    of a precompressed copy); If-None-Match with it is 304. index.html and
    names without a content hash are `Cache-Control: no-cache` (asked again
    each time, mostly 304); a hashed name (Vite's assets/index-BzX3a9_F.js)
    never changes, so it is `public, max-age=31536000, immutable`. A FILE.br
    or FILE.gz beside FILE is sent instead when the client accepts it, with
    Content-Encoding; every answer says `Vary: Accept-Encoding`. The type
    comes from the extension (nosniff holds the browser to it). The security
    headers are those of every answer (gateway_server_headers).

    Refused (404): a segment that starts with a dot (".." and ".env"), an
    empty segment, a backslash or a control byte (a NUL comes as "%00",
    which gateway_request_unescape leaves as it is), and anything whose real
    path (symbolic links followed) is not inside the directory. Other
    methods are 405. No ranges: a file is sent whole.
*/
#pragma once
#include <stdbool.h>
#include <sys/stat.h>

#include "gateway_server.h"

#define GATEWAY_STATIC_BR 1u   // the client takes brotli
#define GATEWAY_STATIC_GZIP 2u // the client takes gzip
#define GATEWAY_STATIC_ETAG_MAX 48

typedef struct _gateway_static_t gateway_static_t;

//  Serves dir for server. Returns NULL with err set when dir is not a
//  directory (its real path is taken now).
gateway_static_t *gateway_static_new(gateway_server_t *server, const char *dir, char *err,
                                     size_t errlen);
void gateway_static_destroy(gateway_static_t **self_p);
//  Answers req (queued here, as an event stream is).
void gateway_static_answer(gateway_static_t *self, gateway_request_t *req);

//  --- the parts, for the tests ---

//  The file the request path names, relative to the directory, into rel:
//  "/" is "index.html", "/a/" is "a/index.html". Returns 0, or -1 when the
//  path is refused (see above) or does not fit cap.
int gateway_static_relative(const char *path, char *rel, size_t cap);
//  Opens the regular file rel under root (a real path, no trailing slash)
//  for reading, and fills st. Returns the descriptor, or -1 when there is
//  no such file, it is not a regular file, or its real path is outside root.
int gateway_static_open(const char *root, const char *rel, struct stat *st);
//  The Content-Type of a file name (static text); application/octet-stream
//  when the extension is unknown.
const char *gateway_static_type(const char *name);
//  True when the file name carries a content hash: a part of 8 to 64 of
//  A-Z a-z 0-9 _ - with a digit or a capital, after the last '-' or '.'
//  of the name before its extension ("index-BzX3a9_F.js", "app.3f9a1c0d.css").
bool gateway_static_hashed(const char *name);
//  The ETag of a file (quoted) into etag; encoding "br", "gzip" or NULL.
void gateway_static_etag(const struct stat *st, const char *encoding, char *etag, size_t cap);
//  True when the If-None-Match header names etag (or is "*"); W/ is ignored.
bool gateway_static_etag_matches(const char *if_none_match, const char *etag);
//  The precompressed encodings an Accept-Encoding header takes (q > 0):
//  GATEWAY_STATIC_BR | GATEWAY_STATIC_GZIP; "*" takes both unless named.
unsigned gateway_static_accepts(const char *accept_encoding);
