/*  sti_json: JSON <-> MessagePack, the one conversion stictl, the tests and
    any HTTP front end use.

    To JSON (sti_json_from_node): never fails; a string that is not valid
    UTF-8 becomes null, binary a hex string, a float that is NaN or infinite
    null, a map key that is not a string its text. The reader that made the
    node bounded its size and depth, so this is bounded too.

    From JSON (sti_json_to_writer): the JSON text is hostile input: its
    depth, element counts and string sizes are held to the MessagePack
    reader's limits (sti_codec.h) before anything is written, numbers that
    are whole and within int64 become integers, others floats. From text
    (sti_json_text_to_writer), the depth and the number of elements in all
    (16 x the limit of one array or map, as the reader's) are counted before
    cJSON parses it, so its memory stays bounded too.
*/
#pragma once
#include <cjson/cJSON.h>
#include <stddef.h>

#include "sti_codec.h"

//  A new cJSON for the node (caller deletes with cJSON_Delete); never NULL.
cJSON *sti_json_from_node(sti_node_t node);
//  Writes json as one MessagePack value into writer. Returns 0, or -1 with
//  a reason in err (nothing sensible was written then: reset the writer).
int sti_json_to_writer(const cJSON *json, sti_writer_t *writer, char *err, size_t errlen);
//  Parses text (len bytes) and writes it as one MessagePack value. Returns
//  0, or -1 with a reason (bad JSON, beyond the limits) in err.
int sti_json_text_to_writer(const char *text, size_t len, sti_writer_t *writer, char *err,
                            size_t errlen);
