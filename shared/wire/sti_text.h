/*  sti_text: a MessagePack scalar as the text a table or a spreadsheet
    cell shows: stictl's tables and the report's workbook write it the
    same way.

    nil or missing is "-", booleans true/false, integers as they are, other
    numbers with up to 10 significant digits, strings as they are (cut to
    fit the buffer). A map or an array is "-". No allocation.
*/
#pragma once
#include <stddef.h>

#include "sti_codec.h"

//  Writes node as text into buf (cap > 0). Returns buf.
const char *sti_node_text(sti_node_t node, char *buf, size_t cap);
//  Looks up key in map and writes it as sti_node_text does. Returns buf.
const char *sti_map_text(sti_node_t map, const char *key, char *buf, size_t cap);
