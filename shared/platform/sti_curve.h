/*  sti_curve: CURVE keys for the broker's clients, workers, publishers and
    subscribers, and key pairs in CZMQ's certificate format.

    Every socket that connects to the broker calls sti_curve_client_setup()
    before it connects. It reads the environment:
      STI_CURVE_CERT        this process's secret certificate file (the
                            NAME_secret file zcert_save writes)
      STI_CURVE_BROKER_KEY  the broker's public key: 40 Z85 characters, or the
                            path of the broker's public certificate file
      STI_CURVE             "on" demands the two above (no silent plain text)
    With STI_CURVE_BROKER_KEY set the socket becomes a CURVE client with the
    process's own key; without it (and without STI_CURVE=on) the socket stays
    plain, which is the developer's default.

    A certificate's metadata carries the key's name and role ("name",
    "role"); the broker reads them from its allow-list copy of the public
    certificate, so a client cannot choose its own role. A key of role
    service also names what it may do as one: "service", the one Majordomo
    service it may register as a worker, and "streams", the event streams it
    may publish (comma-separated, e.g. "ind"; topics "<stream>.<...>"). The
    broker refuses a worker whose READY names another service (or whose key
    names none) and drops an event on a stream the key does not list. A key
    of role gateway may name a service too (sti.gateway), and no streams.
*/
#pragma once
#include <czmq.h>

//  Makes sock a CURVE client when the environment asks for it. Returns 1
//  (CURVE set up), 0 (plain: nothing configured), or -1 with a reason in err
//  (STI_CURVE=on without keys, a file that cannot be read, a bad key).
int sti_curve_client_setup(zsock_t *sock, char *err, size_t errlen);
//  True when the environment asks for CURVE (STI_CURVE=on or
//  STI_CURVE_BROKER_KEY set).
bool sti_curve_client_wanted(void);

//  Loads a certificate that must hold a secret key. Returns a new zcert the
//  caller destroys, or NULL with a reason in err.
zcert_t *sti_curve_load_secret(const char *path, char *err, size_t errlen);
//  Reads a public key from text: 40 Z85 characters, or the path of a
//  certificate file. Writes the key (41 bytes with the NUL) into out.
//  Returns 0, or -1 with a reason in err.
int sti_curve_public_key(const char *text, char *out, char *err, size_t errlen);

#define STI_CURVE_STREAMS_MAX 128 // longest "streams" metadata, bytes

//  True when list is a usable "streams" value: stream names
//  (sti_events_stream_valid) separated by single commas, at most
//  STI_CURVE_STREAMS_MAX bytes.
bool sti_curve_streams_valid(const char *list);
//  True when the comma-separated list names the stream of len bytes.
bool sti_curve_streams_has(const char *list, const char *stream, size_t len);

//  Makes a new key pair for name with role and writes it to dir as dir/name
//  (public certificate, the one to put in the broker's allow-list) and
//  dir/name_secret (mode 0600). service (a Majordomo service name) and
//  streams (a list for sti_curve_streams_valid) may be NULL; service is only
//  for role service or gateway, streams only for role service. Refuses to overwrite. Returns 0, or
//  -1 with a reason in err.
int sti_curve_keys_new(const char *dir, const char *name, const char *role, const char *service,
                       const char *streams, char *err, size_t errlen);
