/*  stictl keys: CURVE key pairs for the broker's allow-list.

    `keys new` writes a key pair in CZMQ's certificate format with the name
    and role in its metadata (and for a service key the one service it may
    serve and the event streams it may publish): DIR/NAME, the public
    certificate an operator copies into the broker's allow-list
    (STI_CURVE_CLIENTS), and DIR/NAME_secret, which stays with whoever uses
    the key (STI_CURVE_CERT). `keys show` prints a certificate's public key,
    name, role, service and streams, e.g. to set STI_CURVE_BROKER_KEY.
    Neither talks to the broker.
*/
#include <cjson/cJSON.h>
#include <czmq.h>
#include <stdio.h>
#include <string.h>

#include "sti_auth.h"
#include "sti_curve.h"
#include "stictl.h"

const char stictl_keys_usage[] =
    "usage: stictl keys new NAME --role ROLE [--service SERVICE] [--stream STREAM]...\n"
    "                       --out DIR\n"
    "       stictl keys show FILE [--json]\n"
    "\n"
    "new: makes a CURVE key pair for NAME with ROLE (reader, clerk, officer,\n"
    "admin, service) and writes DIR/NAME (public certificate: copy it into the\n"
    "broker's allow-list directory, STI_CURVE_CLIENTS) and DIR/NAME_secret\n"
    "(mode 0600: the key's owner points STI_CURVE_CERT at it). Existing files\n"
    "are never overwritten.\n"
    "A key of role service may register as a worker only for --service (e.g.\n"
    "sti.talent; without it, for none) and publish events only on its --stream\n"
    "streams (e.g. tal: topics tal.*; several --stream, or a,b; without it, none).\n"
    "show: prints the public key, name, role, service and streams of a certificate.\n";

//  Appends a --stream value to the comma-separated list. Returns 0 or -1 (too long).
static int s_add_streams(char *streams, size_t size, const char *value)
{
    size_t used = strlen(streams);
    int n = snprintf(streams + used, size - used, "%s%s", used ? "," : "", value);
    return n < 0 || (size_t)n >= size - used ? -1 : 0;
}

static int s_new(int argc, char **argv)
{
    const char *name = NULL, *role = NULL, *out = NULL, *service = NULL, *value;
    char streams[STI_CURVE_STREAMS_MAX + 2] = "";
    for (int i = 2; i < argc; i++) {
        if ((value = stictl_flag(argc, argv, &i, "--role"))) {
            role = value;
        } else if ((value = stictl_flag(argc, argv, &i, "--out"))) {
            out = value;
        } else if ((value = stictl_flag(argc, argv, &i, "--service"))) {
            service = value;
        } else if ((value = stictl_flag(argc, argv, &i, "--stream"))) {
            if (s_add_streams(streams, sizeof streams, value) != 0) {
                return stictl_usage_error("keys", "more than %d bytes of streams",
                                          STI_CURVE_STREAMS_MAX);
            }
        } else if (argv[i][0] != '-' && !name) {
            name = argv[i];
        } else {
            return stictl_usage_error("keys", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!name || !role || !out) {
        return stictl_usage_error("keys", "keys new needs NAME, --role ROLE and --out DIR");
    }
    char err[512];
    if (sti_curve_keys_new(out, name, role, service, streams[0] ? streams : NULL, err,
                           sizeof err) != 0) {
        fprintf(stderr, "stictl keys: %s\n", err);
        return strstr(err, "role") || strstr(err, "name") || strstr(err, "stream") ? STICTL_USAGE
                                                                                   : STICTL_FAILED;
    }
    printf("%s/%s\n%s/%s_secret\n", out, name, out, name);
    return STICTL_OK;
}

static int s_show(stictl_t *ctl, int argc, char **argv)
{
    if (argc != 3) {
        return stictl_usage_error("keys", "keys show needs one FILE");
    }
    char key[STI_AUTH_KEY_LEN + 1];
    char err[512];
    if (sti_curve_public_key(argv[2], key, err, sizeof err) != 0) {
        fprintf(stderr, "stictl keys: %s\n", err);
        return STICTL_FAILED;
    }
    zcert_t *cert = zcert_load(argv[2]);
    const char *fields[] = {"name", "role", "service", "streams"};
    const char *values[4];
    for (size_t i = 0; i < 4; i++) {
        values[i] = cert && zcert_meta(cert, fields[i]) ? zcert_meta(cert, fields[i]) : "";
    }
    if (ctl->json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "key", key);
        for (size_t i = 0; i < 4; i++) {
            cJSON_AddStringToObject(root, fields[i], values[i]);
        }
        stictl_json_print(&root);
    } else {
        //  key name role, then service and streams when the key has them.
        printf("%s %s %s", key, values[0], values[1]);
        if (values[2][0] || values[3][0]) {
            printf(" service=%s streams=%s", values[2], values[3]);
        }
        printf("\n");
    }
    zcert_destroy(&cert);
    return STICTL_OK;
}

int stictl_keys(stictl_t *ctl, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "new") == 0) {
        return s_new(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "show") == 0) {
        return s_show(ctl, argc, argv);
    }
    return stictl_usage_error("keys", "keys new NAME --role ROLE [--service SERVICE] "
                                      "[--stream STREAM] --out DIR, or keys show FILE");
}
