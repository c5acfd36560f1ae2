/*  stictl keys: CURVE key pairs for the broker's allow-list.

    `keys new` writes a key pair in CZMQ's certificate format with the name
    and role in its metadata: DIR/NAME, the public certificate an operator
    copies into the broker's allow-list (STI_CURVE_CLIENTS), and
    DIR/NAME_secret, which stays with whoever uses the key (STI_CURVE_CERT).
    `keys show` prints a certificate's public key, name and role, e.g. to
    set STI_CURVE_BROKER_KEY. Neither talks to the broker.
*/
#include <cjson/cJSON.h>
#include <czmq.h>
#include <stdio.h>
#include <string.h>

#include "sti_auth.h"
#include "sti_curve.h"
#include "stictl.h"

const char stictl_keys_usage[] =
    "usage: stictl keys new NAME --role ROLE --out DIR\n"
    "       stictl keys show FILE [--json]\n"
    "\n"
    "new: makes a CURVE key pair for NAME with ROLE (reader, clerk, officer,\n"
    "admin, service) and writes DIR/NAME (public certificate: copy it into the\n"
    "broker's allow-list directory, STI_CURVE_CLIENTS) and DIR/NAME_secret\n"
    "(mode 0600: the key's owner points STI_CURVE_CERT at it). Existing files\n"
    "are never overwritten.\n"
    "show: prints the public key, name and role of a certificate file.\n";

static int s_new(int argc, char **argv)
{
    const char *name = NULL, *role = NULL, *out = NULL;
    for (int i = 2; i < argc; i++) {
        if ((strcmp(argv[i], "--role") == 0 || strcmp(argv[i], "--out") == 0) && i + 1 < argc) {
            const char **slot = argv[i][2] == 'r' ? &role : &out;
            *slot = argv[++i];
        } else if (strncmp(argv[i], "--role=", 7) == 0) {
            role = argv[i] + 7;
        } else if (strncmp(argv[i], "--out=", 6) == 0) {
            out = argv[i] + 6;
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
    if (sti_curve_keys_new(out, name, role, err, sizeof err) != 0) {
        fprintf(stderr, "stictl keys: %s\n", err);
        return strstr(err, "role") || strstr(err, "name") ? STICTL_USAGE : STICTL_FAILED;
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
    const char *name = cert && zcert_meta(cert, "name") ? zcert_meta(cert, "name") : "";
    const char *role = cert && zcert_meta(cert, "role") ? zcert_meta(cert, "role") : "";
    if (ctl->json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "key", key);
        cJSON_AddStringToObject(root, "name", name);
        cJSON_AddStringToObject(root, "role", role);
        stictl_json_print(&root);
    } else {
        printf("%s %s %s\n", key, name, role);
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
    return stictl_usage_error("keys", "keys new NAME --role ROLE --out DIR, or keys show FILE");
}
