/*  notify_email: the channel "email": the alert as a plain-text e-mail over
    SMTP, to the server of the configuration.
*/
#pragma once
#include "notify_channel.h"

extern const notify_channel_t notify_email_channel;
