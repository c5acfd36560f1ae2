/*  A made-up description of a service's ops ({service, ops}) for the unit
    tests of sti-gateway's router, body and OpenAPI modules: four ops with
    routes (talent.get, talent.stats, talent.reveal, thing.set) and one
    without. Header only. */
#pragma once
#include <string.h>

#include "gateway_router.h"
#include "sti_json.h"

static const char s_gateway_description[] =
    "{\"service\": \"sti.test\", \"ops\": ["
    "{\"op\": \"talent.get\", \"summary\": \"one talent\", \"roles\": [\"officer\"], \"write\": "
    "false, \"changes\": false, \"listed_only\": false, \"body\": [{\"name\": \"id\", \"type\": "
    "\"str\", \"required\": true, \"rule\": \"r\", \"doc\": \"its id\", \"min\": 1, \"max\": 16}],"
    " \"reply\": \"MASKED\", \"notes\": \"\", \"route\": {\"method\": \"GET\", \"path\": "
    "\"/api/v1/talents/{id}\"}},"
    "{\"op\": \"talent.stats\", \"summary\": \"counts\", \"roles\": [\"reader\"], \"write\": "
    "false, \"changes\": false, \"listed_only\": false, \"body\": [], \"reply\": \"{total}\", "
    "\"notes\": \"\", \"route\": {\"method\": \"GET\", \"path\": \"/api/v1/talents/stats\"}},"
    "{\"op\": \"talent.reveal\", \"summary\": \"in clear\", \"roles\": [\"officer\"], \"write\": "
    "false, \"changes\": false, \"listed_only\": true, \"body\": [{\"name\": \"id\", \"type\": "
    "\"str\", \"required\": true, \"rule\": \"r\", \"doc\": \"\"}, {\"name\": \"reason\", "
    "\"type\": \"str\", \"required\": true, \"rule\": \"r\", \"doc\": \"why\", \"min\": 1, "
    "\"max\": 200}], \"reply\": \"{id}\", \"notes\": \"audited\", \"route\": {\"method\": "
    "\"POST\", \"path\": \"/api/v1/talents/{id}/reveal\"}},"
    "{\"op\": \"thing.set\", \"summary\": \"sets\", \"roles\": [\"clerk\"], \"write\": true, "
    "\"changes\": true, \"listed_only\": false, \"body\": [{\"name\": \"year\", \"type\": "
    "\"int\", \"required\": true, \"rule\": \"r\", \"doc\": \"\"}, {\"name\": \"value\", "
    "\"type\": \"number\", \"required\": false, \"rule\": \"r\", \"doc\": \"\"}, {\"name\": "
    "\"dry_run\", \"type\": \"bool\", \"required\": false, \"rule\": \"r\", \"doc\": \"\"}, "
    "{\"name\": \"tags\", \"type\": \"array\", \"required\": false, \"rule\": \"r\", \"doc\": "
    "\"\", \"of\": {\"name\": \"\", \"type\": \"str\", \"required\": true, \"rule\": \"r\", "
    "\"doc\": \"\"}}, {\"name\": \"request_id\", \"type\": \"str\", \"required\": false, "
    "\"rule\": \"r\", \"doc\": \"\"}], \"reply\": \"{}\", \"notes\": \"\", \"route\": "
    "{\"method\": \"PUT\", \"path\": \"/api/v1/things/{year}\"}},"
    "{\"op\": \"ops.describe\", \"summary\": \"\", \"roles\": [], \"write\": false, \"changes\": "
    "false, \"listed_only\": false, \"body\": [], \"reply\": \"\", \"notes\": \"\", \"route\": "
    "null}]}";

//  Loads the description above into router as service sti.test; returns the routes held.
static inline int gateway_test_load(gateway_router_t *router)
{
    sti_writer_t *writer = sti_writer_new();
    char err[256];
    sti_json_text_to_writer(s_gateway_description, strlen(s_gateway_description), writer, err,
                            sizeof err);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    int held = gateway_router_load(router, "sti.test", sti_reader_root(reader), err, sizeof err);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
    return held;
}
