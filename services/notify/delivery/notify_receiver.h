/*  notify_receiver: where an alert goes: receiver specs, and the one table
    of channels that carry them.

    A receiver is written as a spec: "webhook:URL[#SECRET]", "email:ADDRESS",
    "dingtalk:URL[#SECRET]" or "wecom:URL". notify_receiver_parse() splits
    and checks it; the result names its channel in the one static table of
    channels (notify_receiver.c), each channel being a small struct of
    callbacks in its own file (notify_channel.h): check a target, send one
    delivery. notify_deliver() sends a delivery through its receiver's
    channel.
*/
#pragma once
#include <stddef.h>

#include "notify_channel.h"

//  The channel of that name in the table, or NULL. The pointer is borrowed
//  (static).
const notify_channel_t *notify_receiver_channel(const char *name);

//  Parses and checks one spec into receiver. Returns 0, or -1 with a reason
//  in err ("webhook URL must start with http:// or https://").
int notify_receiver_parse(const char *spec, notify_receiver_t *receiver, char *err, size_t errlen);

//  Parses count specs into receivers (an array of count). Returns 0, or -1
//  with the reason of the first bad one, numbered from 1:
//  "receiver 2: webhook URL must start with http:// or https://".
int notify_receivers_parse(const char *const *specs, size_t count, notify_receiver_t *receivers,
                           char *err, size_t errlen);

//  Writes the receiver back as a spec with the secret masked ("#***"), for
//  listings and logs. Returns out.
char *notify_receiver_describe(const notify_receiver_t *receiver, char *out, size_t outlen);

//  Sends delivery through its receiver's channel, after checking the delivery
//  id (1..128 bytes of [A-Za-z0-9._:-]; a bad id is a final failure). Fills
//  result. Returns 0 when delivered, -1 otherwise.
int notify_deliver(const notify_delivery_t *delivery, const notify_channel_config_t *config,
                   notify_result_t *result);
