"""Kombu's Redis transport with one fix: a worker survives losing the broker while it holds
unacknowledged messages (issue 14).

When Redis goes away under a BRPOP, Celery 5.7's consumer first `collect()`s its connection and then
closes it. `collect()` closes the default channel, whose BRPOP read fails on the dead socket, so
that close stops half-way (the connection error is swallowed), and then detaches the transport from
its connection (`transport.client = None`). The second close finishes the channel: it drops its
connection pools and restores the unacknowledged messages, which builds a new pool from
`self.connection.client`, now None, and raises AttributeError ('NoneType' object has no attribute
'hostname'). That is not a connection error, so the worker stops with "Unrecoverable error"
(celery 5.7.0, kombu 5.7.0, redis-py 8.1.0; both the latest releases).

The channel here remembers the connection parameters it was built with, so that late restore
reaches the broker (or fails with a connection error, which the close ignores as designed).
Installed through `CELERY_BROKER_TRANSPORT` for redis:// and rediss:// broker URLs.
"""
from __future__ import annotations

from kombu.transport import redis


class Channel(redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict:
        known = self.__dict__.setdefault("_accord_connparams", {})
        if self.connection.client is None and asynchronous in known:
            return dict(known[asynchronous])  # the transport was detached: the broker is where it was
        params = super()._connparams(asynchronous=asynchronous)
        known[asynchronous] = dict(params)
        return params

    def close(self) -> None:
        super().close()
        self._disconnect_pools()  # the pool a late restore opened, if any


class Transport(redis.Transport):
    Channel = Channel
