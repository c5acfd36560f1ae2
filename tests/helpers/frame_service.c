/*  frame_service: a worker service on the sti_service frame, for tests of the
    frame itself. Its own settings (--service, --greeting) go through the
    same load as the common ones.

    ops:  echo      replies {greeting, body} with the request's body
          fail      the handler fails: the frame must answer `internal`
          silent    the handler writes nothing: the frame must answer `internal`
          broken    the handler writes half an envelope: `internal` too
          missing   replies not_found with two details
          ticks     replies the number of ticks so far
          write     echo, a write (counts against the write rate)
          check     echo, a write unless the body says dry_run: true
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_service.h"

typedef struct {
    char *service;  // Majordomo service name to register
    char *greeting; // put into every echo reply
    int64_t ticks;  // tick callbacks so far
} s_ctx_t;

static const sti_config_entry_t s_map[] = {
    {"service", STI_CONFIG_STR, "sti.test", offsetof(s_ctx_t, service), "service name"},
    {"greeting", STI_CONFIG_STR, "hello", offsetof(s_ctx_t, greeting), "echo greeting"},
    {NULL, 0, NULL, 0, NULL},
};

static int s_echo(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                  void *arg)
{
    (void)service;
    s_ctx_t *ctx = arg;
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_map(reply, 2);
    sti_writer_kv_str(reply, "greeting", ctx->greeting);
    sti_writer_str(reply, "body");
    size_t size = 0;
    void *body = sti_node_is_missing(request->body) ? NULL : sti_node_encode(request->body, &size);
    if (body) {
        sti_writer_raw(reply, body, size);
        free(body);
    } else {
        sti_writer_nil(reply);
    }
    return 0;
}

static int s_fail(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                  void *arg)
{
    (void)service, (void)arg;
    sti_envelope_reply_ok(reply, request->id); // half a reply, then failure
    return -1;
}

static int s_silent(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                    void *arg)
{
    (void)service, (void)request, (void)reply, (void)arg;
    return 0;
}

static int s_broken(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                    void *arg)
{
    (void)service, (void)arg;
    sti_envelope_reply_ok(reply, request->id); // and no body
    return 0;
}

static int s_missing(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                     void *arg)
{
    (void)service, (void)arg;
    sti_detail_t details[] = {{3, "indicator", "no such indicator"}, {-1, "org", "unknown"}};
    sti_envelope_reply_error(reply, request->id, STI_ERR_NOT_FOUND, "nothing there", details, 2);
    return 0;
}

static int s_ticks(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                   void *arg)
{
    (void)service;
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_int(reply, ((s_ctx_t *)arg)->ticks);
    return 0;
}

static void s_tick(sti_service_t *service, void *arg)
{
    (void)service;
    ((s_ctx_t *)arg)->ticks++;
}

static const sti_op_t s_ops[] = {
    {"echo", s_echo, STI_ROLES_ANY},
    {"fail", s_fail, STI_ROLES_ANY},
    {"silent", s_silent, STI_ROLES_ANY},
    {"missing", s_missing, STI_ROLES_ANY},
    {"ticks", s_ticks, STI_ROLES_ANY},
    {"broken", s_broken, STI_ROLES_ANY},
    {"admin.only", s_echo, 0},
    {"write", s_echo, STI_ROLE_CLERK | STI_OP_WRITE},
    {"check", s_echo, STI_ROLE_CLERK | STI_OP_WRITE | STI_OP_DRY_RUN},
    {NULL, NULL, 0},
};

int main(int argc, char **argv)
{
    static s_ctx_t ctx;
    //  The service name is a setting of this helper, but the definition needs
    //  it before the frame reads settings: read it from the environment or the
    //  flag here, the frame then validates all flags together.
    const char *service = getenv("STI_SERVICE") ? getenv("STI_SERVICE") : "sti.test";
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--service") == 0) {
            service = argv[i + 1];
        }
    }
    sti_service_def_t def = {
        .name = "frame-service", .service = service, .ops = s_ops, .config = s_map,
        .ctx = &ctx, .tick = s_tick, .tick_ms = 100,
    };
    int exit_code = 0;
    sti_service_t *frame = sti_service_new(&def, argc, argv, &exit_code);
    if (!frame) {
        return exit_code;
    }
    int rc = sti_service_run(frame);
    sti_service_destroy(&frame);
    return rc;
}
