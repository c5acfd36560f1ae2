/*  sti_http: /healthz, /readyz and /metrics on libmicrohttpd. See sti_http.h.

    libmicrohttpd runs its own polling thread and answers one connection at a
    time from it; the connection limit is small and idle connections time
    out, so a scraper that misbehaves costs little. The thread polls with
    epoll, not select(): select() cannot watch a descriptor above 1,023, and
    a process that holds a thousand connections elsewhere (the broker) would
    stop answering its probes. Only GET and HEAD are answered; a request
    body is ignored.

    Metric values are C11 atomics: the service's thread adds and sets without
    locks, the HTTP thread reads them relaxed (a scrape is a snapshot of
    independent values, not a consistent cut). The list of metrics is guarded
    by a mutex, held only while registering and while rendering /metrics.
    Metrics live as long as the server: a pointer handed out stays valid until
    sti_http_destroy.

    /metrics follows the Prometheus text format 0.0.4: for each metric name,
    in order of first registration, one # HELP and one # TYPE line, then
    every series of that name.
*/
#include "sti_http.h"

#include <arpa/inet.h>
#include <assert.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define STI_HTTP_CONNECTIONS 16 // concurrent connections libmicrohttpd accepts
#define STI_HTTP_TIMEOUT_S 10   // an idle connection is closed after this

struct _sti_metric_t {
    const char *name;           // metric name (static string)
    char *labels;               // label set without braces, or NULL (owned)
    const char *help;           // one-line help (static string)
    bool counter;               // counter, else gauge
    atomic_int_least64_t value; // current value
    sti_metric_t *next;         // next in registration order
};

struct _sti_http_t {
    struct MHD_Daemon *daemon; // the libmicrohttpd server
    int port;                  // port actually bound
    sti_ready_fn *ready;       // says whether /readyz is 200, or NULL (always ready)
    void *ready_arg;           // argument for ready
    pthread_mutex_t lock;      // guards the metrics list
    sti_metric_t *metrics;     // first registered metric
    sti_metric_t *last;        // last registered metric, for appending
};

//  --- rendering /metrics ---

typedef struct {
    char *data;  // text so far (NUL-terminated)
    size_t size; // bytes used
    size_t cap;  // bytes allocated
} s_text_t;

static void s_text_printf(s_text_t *text, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void s_text_printf(s_text_t *text, const char *format, ...)
{
    for (;;) {
        va_list args;
        va_start(args, format);
        int n = vsnprintf(text->data + text->size, text->cap - text->size, format, args);
        va_end(args);
        assert(n >= 0);
        if ((size_t)n < text->cap - text->size) {
            text->size += (size_t)n;
            return;
        }
        text->cap = text->cap * 2 + (size_t)n;
        text->data = realloc(text->data, text->cap);
        assert(text->data);
    }
}

static void s_render_series(s_text_t *text, sti_metric_t *metric)
{
    int64_t value = atomic_load_explicit(&metric->value, memory_order_relaxed);
    if (metric->labels && *metric->labels) {
        s_text_printf(text, "%s{%s} %" PRId64 "\n", metric->name, metric->labels, value);
    } else {
        s_text_printf(text, "%s %" PRId64 "\n", metric->name, value);
    }
}

//  Returns the whole /metrics text (caller frees).
static char *s_render(sti_http_t *self, size_t *size)
{
    s_text_t text = {malloc(4096), 0, 4096};
    assert(text.data);
    text.data[0] = 0;
    pthread_mutex_lock(&self->lock);
    for (sti_metric_t *m = self->metrics; m; m = m->next) {
        bool seen = false;
        for (sti_metric_t *e = self->metrics; e != m && !seen; e = e->next) {
            seen = strcmp(e->name, m->name) == 0;
        }
        if (seen) {
            continue;
        }
        s_text_printf(&text, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help ? m->help : "",
                      m->name, m->counter ? "counter" : "gauge");
        for (sti_metric_t *e = m; e; e = e->next) {
            if (strcmp(e->name, m->name) == 0) {
                s_render_series(&text, e);
            }
        }
    }
    pthread_mutex_unlock(&self->lock);
    *size = text.size;
    return text.data;
}

//  --- the request handler ---

static enum MHD_Result s_reply(struct MHD_Connection *connection, unsigned int status,
                               const char *content_type, void *body, size_t size,
                               enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *response = MHD_create_response_from_buffer(size, body, mode);
    if (!response) {
        if (mode == MHD_RESPMEM_MUST_FREE) {
            free(body);
        }
        return MHD_NO;
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    enum MHD_Result rc = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return rc;
}

static enum MHD_Result s_handle(void *cls, struct MHD_Connection *connection, const char *url,
                                const char *method, const char *version, const char *upload_data,
                                size_t *upload_data_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    sti_http_t *self = cls;
    //  libmicrohttpd calls first with the headers only: answer then. Any
    //  body chunks that follow are dropped.
    if (*con_cls != NULL) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    *con_cls = self;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        static char text[] = "method not allowed\n";
        return s_reply(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", text, strlen(text),
                       MHD_RESPMEM_PERSISTENT);
    }
    if (strcmp(url, "/healthz") == 0) {
        static char text[] = "ok\n";
        return s_reply(connection, MHD_HTTP_OK, "text/plain", text, strlen(text),
                       MHD_RESPMEM_PERSISTENT);
    }
    if (strcmp(url, "/readyz") == 0) {
        static char ready[] = "ready\n";
        char why[512] = "";
        bool is_ready = self->ready ? self->ready(self->ready_arg, why, sizeof why) : true;
        if (is_ready) {
            return s_reply(connection, MHD_HTTP_OK, "text/plain", ready, strlen(ready),
                           MHD_RESPMEM_PERSISTENT);
        }
        char *text = NULL;
        if (asprintf(&text, "not ready%s%s\n", why[0] ? ": " : "", why) < 0) {
            return MHD_NO;
        }
        return s_reply(connection, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", text,
                       strlen(text), MHD_RESPMEM_MUST_FREE);
    }
    if (strcmp(url, "/metrics") == 0) {
        size_t size = 0;
        char *text = s_render(self, &size);
        return s_reply(connection, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text,
                       size, MHD_RESPMEM_MUST_FREE);
    }
    static char text[] = "not found\n";
    return s_reply(connection, MHD_HTTP_NOT_FOUND, "text/plain", text, strlen(text),
                   MHD_RESPMEM_PERSISTENT);
}

//  --- life cycle ---

//  Parses "host:port" / ":port" into sa. Returns 0 or -1.
static int s_parse_addr(const char *addr, struct sockaddr_in *sa)
{
    const char *colon = addr ? strrchr(addr, ':') : NULL;
    if (!colon) {
        return -1;
    }
    char host[64];
    size_t host_len = (size_t)(colon - addr);
    if (host_len >= sizeof host) {
        return -1;
    }
    memcpy(host, addr, host_len);
    host[host_len] = 0;
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (colon[1] == 0 || *end != 0 || port < 0 || port > 65535) {
        return -1;
    }
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (host_len == 0 || strcmp(host, "*") == 0) {
        sa->sin_addr.s_addr = htonl(INADDR_ANY);
        return 0;
    }
    if (strcmp(host, "localhost") == 0) {
        snprintf(host, sizeof host, "127.0.0.1");
    }
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

sti_http_t *sti_http_new(const char *addr, sti_ready_fn *ready, void *arg, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    if (s_parse_addr(addr, &sa) != 0) {
        snprintf(err, errlen, "http address '%s' is not HOST:PORT (IPv4)", addr ? addr : "");
        return NULL;
    }
    sti_http_t *self = calloc(1, sizeof *self);
    assert(self);
    self->ready = ready;
    self->ready_arg = arg;
    pthread_mutex_init(&self->lock, NULL);
    //  Port 0 must be passed as such so the kernel picks one; MHD reads the
    //  port from the sockaddr.
    self->daemon = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD, ntohs(sa.sin_port), NULL, NULL,
                                    s_handle, self, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)STI_HTTP_CONNECTIONS,
                                    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)STI_HTTP_TIMEOUT_S,
                                    MHD_OPTION_END);
    if (!self->daemon) {
        snprintf(err, errlen, "http: cannot listen on %s", addr);
        sti_http_destroy(&self);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    self->port = info ? info->port : ntohs(sa.sin_port);
    return self;
}

void sti_http_destroy(sti_http_t **self_p)
{
    assert(self_p);
    sti_http_t *self = *self_p;
    if (!self) {
        return;
    }
    if (self->daemon) {
        MHD_stop_daemon(self->daemon);
    }
    sti_metric_t *metric = self->metrics;
    while (metric) {
        sti_metric_t *next = metric->next;
        free(metric->labels);
        free(metric);
        metric = next;
    }
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

int sti_http_port(sti_http_t *self)
{
    assert(self);
    return self->port;
}

//  --- metrics ---

static sti_metric_t *s_register(sti_http_t *self, const char *name, const char *labels,
                                const char *help, bool counter)
{
    assert(self && name);
    sti_metric_t *metric = calloc(1, sizeof *metric);
    assert(metric);
    metric->name = name;
    metric->labels = labels ? strdup(labels) : NULL;
    metric->help = help;
    metric->counter = counter;
    atomic_init(&metric->value, 0);
    pthread_mutex_lock(&self->lock);
    if (self->last) {
        self->last->next = metric;
    } else {
        self->metrics = metric;
    }
    self->last = metric;
    pthread_mutex_unlock(&self->lock);
    return metric;
}

sti_metric_t *sti_http_counter(sti_http_t *self, const char *name, const char *labels,
                               const char *help)
{
    return s_register(self, name, labels, help, true);
}

sti_metric_t *sti_http_gauge(sti_http_t *self, const char *name, const char *labels,
                             const char *help)
{
    return s_register(self, name, labels, help, false);
}

void sti_metric_add(sti_metric_t *metric, int64_t delta)
{
    if (metric) {
        atomic_fetch_add_explicit(&metric->value, delta, memory_order_relaxed);
    }
}

void sti_metric_set(sti_metric_t *metric, int64_t value)
{
    if (metric) {
        atomic_store_explicit(&metric->value, value, memory_order_relaxed);
    }
}

int64_t sti_metric_value(sti_metric_t *metric)
{
    return metric ? atomic_load_explicit(&metric->value, memory_order_relaxed) : 0;
}
