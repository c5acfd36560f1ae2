/*  notify_wecom: the channel "wecom": the WeCom (企业微信) group robot
    webhook; the robot's key is in its URL.
*/
#pragma once
#include "notify_channel.h"

extern const notify_channel_t notify_wecom_channel;
