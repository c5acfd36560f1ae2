/*  broker_auth: CURVE at the broker. See broker_auth.h.

    Two views of the allow-list. zauth holds a zcertstore of the directory,
    which CZMQ re-reads on each handshake when the directory changed, so new
    connections are judged on the current list. This module holds a table
    public key -> {name, role, service, streams} that the timer rebuilds
    when the directory's file count, total size or newest modification time
    changed (and at least every S_FULL_RELOAD_MS, for an edit that kept all
    three); every message's
    sender is looked up in it, which is what makes a revocation reach
    connections made before it. The table is bounded (S_MAX_KEYS, files
    above S_MAX_CERT_BYTES skipped), the files are parsed by CZMQ.

    Refused handshakes come from libzmq's socket monitor (one inproc PAIR per
    server socket): HANDSHAKE_FAILED_AUTH is a key zauth refused,
    HANDSHAKE_FAILED_PROTOCOL with a mechanism mismatch a client without
    encryption; HANDSHAKE_FAILED_NO_DETAIL a peer that hung up during the
    handshake, which is what a plain client often does when it sees the
    mechanism mismatch before the broker does. libzmq does not say who the peer was, so a line names
   the socket and the reason, once a second per reason at most, with the count of what it did not
   log.
*/
#include "broker_auth.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sti_curve.h"
#include "sti_log.h"

#define S_ZAP_DOMAIN "sti"
#define S_MAX_KEYS 100000      // keys in the allow-list copy
#define S_MAX_CERT_BYTES 65536 // larger files are not certificates
#define S_FULL_RELOAD_MS 30000 // re-read even when the directory looks unchanged
#define S_LOG_EVERY_MS 1000    // at most one line per reason this often
#define S_SOCKETS 3            // ROUTER, XSUB, XPUB

enum {
    S_REFUSED_KEY,      // zauth refused the key
    S_REFUSED_PLAIN,    // the peer offered no encryption (mechanism mismatch)
    S_REFUSED_ABORTED,  // the peer hung up during the handshake (a client that
                        // found the mismatch first, or a wrong broker key)
    S_REFUSED_PROTOCOL, // any other handshake error
    S_REFUSED_REVOKED,  // a message from a key no longer in the allow-list
    S_REASONS
};
static const char *s_reason_names[S_REASONS] = {"unknown_key", "no_encryption", "aborted",
                                                "protocol", "revoked"};

//  One admitted key.
typedef struct {
    char name[STI_AUTH_NAME_MAX + 1];        // metadata "name" (validated later)
    char role[STI_AUTH_ROLE_MAX + 1];        // metadata "role"
    char service[STI_MDP_SERVICE_MAX + 1];   // metadata "service" ("" when none or unusable)
    char streams[STI_CURVE_STREAMS_MAX + 1]; // metadata "streams" ("" when none or unusable)
} s_entry_t;

//  One watched server socket.
typedef struct {
    zsock_t *monitor; // PAIR reading the socket's monitor events (owned)
    zloop_t *loop;    // the loop that reads it (borrowed), NULL until attached
    char name[16];    // "requests", "xsub", "xpub"
} s_watch_t;

struct _broker_auth_t {
    pthread_mutex_t lock;               // every call below: the request and bus threads share it
    zcert_t *cert;                      // the broker's key pair (owned)
    char *clients_dir;                  // allow-list directory (owned)
    zactor_t *zauth;                    // CZMQ's ZAP handler (owned)
    zhashx_t *keys;                     // public key -> s_entry_t (owned)
    int64_t reload_ms;                  // how often to look at the directory
    time_t dir_modified;                // what the directory looked like at the last load
    size_t dir_count;                   //   files
    off_t dir_size;                     //   bytes
    int64_t full_reload_at;             // zclock_mono of the next unconditional reload
    int64_t reload_at;                  // zclock_mono of the next look at the directory
    s_watch_t watch[S_SOCKETS];         // monitored sockets
    size_t watched;                     // entries used in watch
    uint64_t revocations;               // reloads that took a key out of the list
    uint64_t monitors;                  // monitors made (names their inproc endpoints)
    sti_log_limit_t linelog[S_REASONS]; // log rate limits
    sti_metric_t *refused[S_REASONS];   // refusals by reason
    sti_metric_t *allowed;              // gauge: keys in the allow-list
};

//  --- the allow-list copy ---

static void s_entry_free(void **item)
{
    free(*item);
    *item = NULL;
}

//  True when the file name ends in "_secret" (never an allow-list entry).
static bool s_is_secret(const char *path)
{
    size_t len = strlen(path);
    return len >= 7 && strcmp(path + len - 7, "_secret") == 0;
}

//  Copies what a certificate says its key may do as a service into entry;
//  a value that is not usable counts as none, with a log line naming the file.
static void s_entry_service(s_entry_t *entry, zcert_t *cert, const char *path)
{
    const char *service = zcert_meta(cert, "service");
    const char *streams = zcert_meta(cert, "streams");
    if (service && sti_mdp_service_valid(service, strlen(service)) &&
        strncmp(service, "mmi.", 4) != 0) {
        snprintf(entry->service, sizeof entry->service, "%s", service);
    } else if (service) {
        sti_warn("allow-list %s: the service in the metadata is not a service name: ignored", path);
    }
    if (streams && sti_curve_streams_valid(streams)) {
        snprintf(entry->streams, sizeof entry->streams, "%s", streams);
    } else if (streams) {
        sti_warn("allow-list %s: the streams in the metadata are not a list of streams: ignored",
                 path);
    }
}

//  Loads the certificates of dir into a new table. Returns it (never NULL).
static zhashx_t *s_load(zdir_t *dir)
{
    zhashx_t *keys = zhashx_new();
    zhashx_set_destructor(keys, s_entry_free);
    zfile_t **files = dir ? zdir_flatten(dir) : NULL;
    for (size_t i = 0; files && files[i]; i++) {
        const char *path = zfile_filename(files[i], NULL);
        if (s_is_secret(path) || zfile_cursize(files[i]) > S_MAX_CERT_BYTES ||
            zhashx_size(keys) >= S_MAX_KEYS) {
            continue;
        }
        zcert_t *cert = zcert_load(path);
        if (!cert) {
            continue;
        }
        s_entry_t *entry = (s_entry_t *)zmalloc(sizeof(s_entry_t));
        const char *name = zcert_meta(cert, "name");
        const char *role = zcert_meta(cert, "role");
        snprintf(entry->name, sizeof entry->name, "%s", name ? name : "");
        snprintf(entry->role, sizeof entry->role, "%s", role ? role : "");
        s_entry_service(entry, cert, path);
        if (zhashx_insert(keys, zcert_public_txt(cert), entry) != 0) {
            free(entry); // the same key twice: the first file wins
        }
        zcert_destroy(&cert);
    }
    if (files) {
        zdir_flatten_free(&files);
    }
    return keys;
}

//  Re-reads the directory when it changed or when force is set.
static void s_refresh(broker_auth_t *self, bool force)
{
    zdir_t *dir = zdir_new(self->clients_dir, NULL);
    time_t modified = dir ? zdir_modified(dir) : 0;
    size_t count = dir ? (size_t)zdir_count(dir) : 0;
    off_t size = dir ? zdir_cursize(dir) : 0;
    if (force || !self->keys || modified != self->dir_modified || count != self->dir_count ||
        size != self->dir_size) {
        size_t before = self->keys ? zhashx_size(self->keys) : 0;
        zhashx_t *old = self->keys;
        self->keys = s_load(dir);
        for (void *entry = old ? zhashx_first(old) : NULL; entry; entry = zhashx_next(old)) {
            if (!zhashx_lookup(self->keys, zhashx_cursor(old))) {
                self->revocations++; // a key went: connections made with it must go
                break;
            }
        }
        zhashx_destroy(&old);
        self->dir_modified = modified;
        self->dir_count = count;
        self->dir_size = size;
        if (zhashx_size(self->keys) != before || !force) {
            sti_info("allow-list %s: %zu keys", self->clients_dir, zhashx_size(self->keys));
        }
        sti_metric_set(self->allowed, (int64_t)zhashx_size(self->keys));
    }
    zdir_destroy(&dir);
}

//  Looks at the directory when reload_ms has passed (with the lock held).
static void s_reload_due(broker_auth_t *self)
{
    int64_t now = zclock_mono();
    if (now < self->reload_at) {
        return;
    }
    self->reload_at = now + self->reload_ms;
    bool full = now >= self->full_reload_at;
    if (full) {
        self->full_reload_at = now + S_FULL_RELOAD_MS;
    }
    s_refresh(self, full);
}

//  --- refusals ---

static void s_refused(broker_auth_t *self, int reason, const char *socket)
{
    sti_metric_add(self->refused[reason], 1);
    int64_t suppressed;
    if (sti_log_due(&self->linelog[reason], zclock_mono(), S_LOG_EVERY_MS, &suppressed)) {
        sti_warn("refused a peer on %s: %s; %" PRId64 " more refused for this reason since the "
                 "last line",
                 socket, s_reason_names[reason], suppressed);
    }
}

//  Reads what the monitor of one socket has to say (with the lock held).
static void s_read_monitor(broker_auth_t *self, zsock_t *monitor)
{
    const char *socket = "?";
    for (size_t i = 0; i < self->watched; i++) {
        if (self->watch[i].monitor == monitor) {
            socket = self->watch[i].name;
        }
    }
    for (int batch = 0; batch < 256; batch++) {
        if (!(zsock_events(monitor) & ZMQ_POLLIN)) {
            break;
        }
        zmsg_t *msg = zmsg_recv(monitor);
        if (!msg) {
            break;
        }
        zframe_t *head = zmsg_first(msg);
        if (head && zframe_size(head) >= 6) {
            uint16_t event;
            uint32_t value;
            memcpy(&event, zframe_data(head), 2);
            memcpy(&value, zframe_data(head) + 2, 4);
            if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
                s_refused(self, S_REFUSED_KEY, socket);
            } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) {
                s_refused(self,
                          value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH ? S_REFUSED_PLAIN
                                                                              : S_REFUSED_PROTOCOL,
                          socket);
            } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
                s_refused(self, S_REFUSED_ABORTED, socket);
            }
        }
        zmsg_destroy(&msg);
    }
}

static int s_on_monitor(zloop_t *loop, zsock_t *monitor, void *arg)
{
    (void)loop;
    broker_auth_t *self = (broker_auth_t *)arg;
    pthread_mutex_lock(&self->lock);
    s_read_monitor(self, monitor);
    pthread_mutex_unlock(&self->lock);
    return 0;
}

//  --- the object ---

broker_auth_t *broker_auth_new(const char *cert_path, const char *clients_dir, int64_t reload_ms,
                               sti_http_t *http, char *err, size_t errlen)
{
    assert(reload_ms > 0);
    assert(http);
    if (!cert_path || !*cert_path || !clients_dir || !*clients_dir) {
        snprintf(err, errlen,
                 "CURVE needs curve_cert (STI_CURVE_CERT, the broker's secret "
                 "certificate) and curve_clients (STI_CURVE_CLIENTS, the allow-list "
                 "directory)");
        return NULL;
    }
    zcert_t *cert = sti_curve_load_secret(cert_path, err, errlen);
    if (!cert) {
        return NULL;
    }
    struct stat st;
    if (stat(clients_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "the allow-list directory %s does not exist", clients_dir);
        zcert_destroy(&cert);
        return NULL;
    }
    broker_auth_t *self = (broker_auth_t *)zmalloc(sizeof(broker_auth_t));
    pthread_mutex_init(&self->lock, NULL);
    self->cert = cert;
    self->clients_dir = strdup(clients_dir);
    self->reload_ms = reload_ms; // above 0: curve_reload_ms's range (broker_config.c)
    for (int i = 0; i < S_REASONS; i++) {
        char labels[64];
        snprintf(labels, sizeof labels, "reason=\"%s\"", s_reason_names[i]);
        self->refused[i] = sti_http_counter(http, "sti_broker_handshakes_refused_total", labels,
                                            "Peers refused by CURVE authentication, by reason");
    }
    self->allowed =
        sti_http_gauge(http, "sti_broker_allowed_keys", NULL, "Keys in the CURVE allow-list");
    self->zauth = zactor_new(zauth, NULL);
    if (!self->zauth) {
        snprintf(err, errlen, "cannot start zauth");
        broker_auth_destroy(&self);
        return NULL;
    }
    zstr_sendx(self->zauth, "CURVE", self->clients_dir, NULL);
    zsock_wait(self->zauth);
    s_refresh(self, true);
    self->full_reload_at = zclock_mono() + S_FULL_RELOAD_MS;
    self->reload_at = zclock_mono() + reload_ms;
    sti_info("CURVE on: broker key %s, allow-list %s (%zu keys)", zcert_public_txt(self->cert),
             self->clients_dir, zhashx_size(self->keys));
    return self;
}

void broker_auth_destroy(broker_auth_t **self_p)
{
    assert(self_p);
    broker_auth_t *self = *self_p;
    if (self) {
        for (size_t i = 0; i < self->watched; i++) {
            zsock_destroy(&self->watch[i].monitor);
        }
        zactor_destroy(&self->zauth);
        zhashx_destroy(&self->keys);
        zcert_destroy(&self->cert);
        free(self->clients_dir);
        pthread_mutex_destroy(&self->lock);
        free(self);
        *self_p = NULL;
    }
}

//  The watch of the socket called name: the one it had, or a new one.
static s_watch_t *s_watch_slot(broker_auth_t *self, const char *name)
{
    for (size_t i = 0; i < self->watched; i++) {
        if (strcmp(self->watch[i].name, name) == 0) {
            if (self->watch[i].loop) {
                zloop_reader_end(self->watch[i].loop, self->watch[i].monitor);
            }
            zsock_destroy(&self->watch[i].monitor);
            return &self->watch[i];
        }
    }
    assert(self->watched < S_SOCKETS);
    return &self->watch[self->watched++];
}

//  broker_auth_server with the lock held.
static int s_server(broker_auth_t *self, zsock_t *sock, const char *name, zloop_t *loop, char *err,
                    size_t errlen)
{
    zcert_apply(self->cert, zsock_resolve(sock));
    zsock_set_curve_server(sock, 1);
    zsock_set_zap_domain(sock, S_ZAP_DOMAIN);
    s_watch_t *watch = s_watch_slot(self, name);
    snprintf(watch->name, sizeof watch->name, "%s", name);
    char endpoint[96];
    snprintf(endpoint, sizeof endpoint, "inproc://sti-broker-auth-%p-%s-%" PRIu64, (void *)self,
             name, self->monitors++);
    int events = ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                 ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
    if (zmq_socket_monitor(zsock_resolve(sock), endpoint, events) != 0) {
        snprintf(err, errlen, "cannot monitor the %s socket: %s", name, zmq_strerror(zmq_errno()));
        return -1;
    }
    watch->monitor = zsock_new_pair(endpoint);
    if (!watch->monitor) {
        snprintf(err, errlen, "cannot read the monitor of the %s socket", name);
        return -1;
    }
    watch->loop = loop;
    if (watch->loop) {
        zloop_reader(watch->loop, watch->monitor, s_on_monitor, self);
    }
    return 0;
}

int broker_auth_server(broker_auth_t *self, zsock_t *sock, const char *name, zloop_t *loop,
                       char *err, size_t errlen)
{
    assert(self && sock && name);
    pthread_mutex_lock(&self->lock);
    int rc = s_server(self, sock, name, loop, err, errlen);
    pthread_mutex_unlock(&self->lock);
    return rc;
}

void broker_auth_tick(broker_auth_t *self)
{
    assert(self);
    pthread_mutex_lock(&self->lock);
    for (size_t i = 0; i < self->watched; i++) {
        if (!self->watch[i].loop) {
            s_read_monitor(self, self->watch[i].monitor);
        }
    }
    s_reload_due(self);
    pthread_mutex_unlock(&self->lock);
}

void broker_peer_local(broker_peer_t *peer)
{
    assert(peer);
    memset(peer, 0, sizeof *peer);
    sti_identity_local(&peer->identity);
}

int broker_auth_identify(broker_auth_t *self, zframe_t *frame, broker_peer_t *peer)
{
    assert(self && frame && peer);
    const char *key = zframe_meta(frame, "User-Id");
    pthread_mutex_lock(&self->lock);
    s_entry_t *entry = key ? (s_entry_t *)zhashx_lookup(self->keys, key) : NULL;
    if (!entry) {
        s_refused(self, S_REFUSED_REVOKED, "an open connection");
        pthread_mutex_unlock(&self->lock);
        return -1;
    }
    sti_identity_set(&peer->identity, entry->name, entry->role, key);
    peer->bound = true;
    memcpy(peer->service, entry->service, sizeof peer->service);
    memcpy(peer->streams, entry->streams, sizeof peer->streams);
    pthread_mutex_unlock(&self->lock);
    return 0;
}

void broker_auth_reload(broker_auth_t *self)
{
    assert(self);
    pthread_mutex_lock(&self->lock);
    s_refresh(self, true);
    pthread_mutex_unlock(&self->lock);
}

uint64_t broker_auth_revocations(broker_auth_t *self)
{
    assert(self);
    pthread_mutex_lock(&self->lock);
    uint64_t revocations = self->revocations;
    pthread_mutex_unlock(&self->lock);
    return revocations;
}

size_t broker_auth_keys(broker_auth_t *self)
{
    assert(self);
    pthread_mutex_lock(&self->lock);
    size_t keys = zhashx_size(self->keys);
    pthread_mutex_unlock(&self->lock);
    return keys;
}

const char *broker_auth_public_key(broker_auth_t *self)
{
    assert(self);
    return zcert_public_txt(self->cert);
}
