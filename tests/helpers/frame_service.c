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
    {"service", STI_CONFIG_STR, "sti.test", offsetof(s_ctx_t, service), "service name", 0, 0},
    {"greeting", STI_CONFIG_STR, "hello", offsetof(s_ctx_t, greeting), "echo greeting", 0, 0},
    STI_CONFIG_END,
};

static int s_echo(void *self, const sti_call_t *call)
{
    s_ctx_t *ctx = self;
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 2);
    sti_writer_kv_str(call->reply, "greeting", ctx->greeting);
    sti_writer_str(call->reply, "body");
    sti_node_t body = call->request->body;
    size_t size = 0;
    void *bytes = sti_node_is_missing(body) ? NULL : sti_node_encode(body, &size);
    if (bytes) {
        sti_writer_raw(call->reply, bytes, size);
        free(bytes);
    } else {
        sti_writer_nil(call->reply);
    }
    return 0;
}

static int s_fail(void *self, const sti_call_t *call)
{
    (void)self;
    sti_envelope_reply_ok(call->reply, call->request->id); // half a reply, then failure
    return -1;
}

static int s_silent(void *self, const sti_call_t *call)
{
    (void)self, (void)call;
    return 0;
}

static int s_broken(void *self, const sti_call_t *call)
{
    (void)self;
    sti_envelope_reply_ok(call->reply, call->request->id); // and no body
    return 0;
}

static int s_missing(void *self, const sti_call_t *call)
{
    (void)self;
    sti_detail_t details[] = {{3, "indicator", "no such indicator"}, {-1, "org", "unknown"}};
    sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_NOT_FOUND, "nothing there",
                             details, 2);
    return 0;
}

static int s_ticks(void *self, const sti_call_t *call)
{
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_int(call->reply, ((s_ctx_t *)self)->ticks);
    return 0;
}

static void s_tick(sti_service_t *service, void *arg)
{
    (void)service;
    ((s_ctx_t *)arg)->ticks++;
}

//  echo takes any value under x (what the tests send), nothing else.
static const sti_arg_t s_echo_args[] = {
    {"x", STI_ARG_ANY, STI_OPTIONAL, 0, 0, NULL, "anything, echoed back"},
    STI_ARGS_END,
};
//  check also takes dry_run (an op marked STI_OP_DRY_RUN).
static const sti_arg_t s_check_args[] = {
    {"x", STI_ARG_ANY, STI_OPTIONAL, 0, 0, NULL, "anything, echoed back"},
    {"dry_run", STI_ARG_BOOL, STI_OPTIONAL, 0, 0, NULL, "true: a dry run, not a write"},
    STI_ARGS_END,
};

static const sti_op_decl_t s_ops[] = {
    {"echo", s_echo, STI_ROLES_ANY, s_echo_args, "echoes the body", "{greeting, body}", NULL},
    {"fail", s_fail, STI_ROLES_ANY, NULL, "the handler fails", "", NULL},
    {"silent", s_silent, STI_ROLES_ANY, NULL, "the handler writes nothing", "", NULL},
    {"missing", s_missing, STI_ROLES_ANY, NULL, "not_found with two details", "", NULL},
    {"ticks", s_ticks, STI_ROLES_ANY, NULL, "the ticks so far", "N", NULL},
    {"broken", s_broken, STI_ROLES_ANY, NULL, "half an envelope", "", NULL},
    {"admin.only", s_echo, 0, s_echo_args, "echo, for admin only", "{greeting, body}", NULL},
    {"write", s_echo, STI_ROLE_CLERK | STI_OP_WRITE, s_echo_args, "echo, as a write",
     "{greeting, body}", NULL},
    {"check", s_echo, STI_ROLE_CLERK | STI_OP_WRITE | STI_OP_DRY_RUN, s_check_args,
     "echo, as a write that may be a dry run", "{greeting, body}", NULL},
    STI_OPS_END,
};
static const sti_op_table_t s_table = {"frame_service", s_ops};
static const sti_op_table_t *const s_tables[] = {&s_table, NULL};

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
        .name = "frame-service",
        .service = service,
        .tables = s_tables,
        .config = s_map,
        .ctx = &ctx,
        .tick = s_tick,
        .tick_ms = 100,
    };
    int exit_code = 0;
    sti_service_t *frame = sti_service_new(&def, argc, argv, &exit_code);
    if (!frame) {
        return exit_code;
    }
    sti_service_bind(frame, &s_table, &ctx);
    int rc = sti_service_run(frame);
    sti_service_destroy(&frame);
    return rc;
}
