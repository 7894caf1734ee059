"""The Redis channel layer with a group send of two Redis round trips instead of four.

channels-redis sends to a group in four steps, each waiting for Redis: drop expired members,
read the members, drop expired messages from each receiving channel, then add the message to
each channel (one script). Here the first two go in one pipeline and the expiry of old messages
moves into the adding script, so a chat message costs two round trips on its way out. The
stored data, the expiry rules and the capacity check are those of channels-redis, so processes
running either class share one Redis.
"""

from __future__ import annotations

import time
from typing import Any

from channels_redis.core import RedisChannelLayer

# KEYS: the channels' Redis keys. ARGV: one message per key, then one capacity per key, then
# the time now and the message expiry (seconds).
_ADD_TO_CHANNELS = """
local over_capacity = 0
local now = tonumber(ARGV[#ARGV - 1])
local expiry = tonumber(ARGV[#ARGV])
for i = 1, #KEYS do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, math.floor(now) - expiry)
    if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[i + #KEYS]) then
        redis.call('ZADD', KEYS[i], now, ARGV[i])
        redis.call('EXPIRE', KEYS[i], expiry)
    else
        over_capacity = over_capacity + 1
    end
end
return over_capacity
"""


class ChatChannelLayer(RedisChannelLayer):
    """`RedisChannelLayer` whose `group_send` takes two Redis round trips."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._script: Any = None

    def _add(self, index: int) -> tuple[Any, Any]:
        """The adding script (sent by its hash after the first time) and the client to run it."""
        client = self.connection(index)  # one client per host and event loop
        if self._script is None:
            self._script = client.register_script(_ADD_TO_CHANNELS)
        return self._script, client

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert self.require_valid_group_name(group), "Group name not valid"
        key = self._group_key(group)
        connection = self.connection(self.consistent_hash(group))
        pipe = connection.pipeline(transaction=False)
        pipe.zremrangebyscore(key, min=0, max=int(time.time()) - self.group_expiry)
        pipe.zrange(key, 0, -1)
        _removed, members = await pipe.execute()
        if not members:
            return
        channel_names = [x.decode("utf8") for x in members]
        by_connection, messages, capacities = self._map_channel_keys_to_connection(
            channel_names, message
        )
        for index, keys in by_connection.items():
            args = [messages[k] for k in keys] + [capacities[k] for k in keys]
            args += [time.time(), int(self.expiry)]
            script, client = self._add(index)
            await script(keys=keys, args=args, client=client)
