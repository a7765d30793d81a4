"""Kombu's Redis transport with two fixes, so a worker survives the broker restarting under it
(issue 14; celery 5.7.0, kombu 5.7.0, redis-py 8.1.0: the latest releases).

1. A worker that stays alive but never consumes again. Its main thread was found blocked for good
   in the event loop's read of the remote-control (pub/sub) socket: kombu reads it when the poller
   says it is readable, with redis-py's `PubSub.parse_response()`, which since redis-py 8 reads with
   no timeout at all (it clears the socket timeout for that read), and whose retries reconnect
   inside the read (without resubscribing: kombu's connection has no callback for that) and read
   the fresh, silent socket again. Here the event loop waits at most the socket timeout for the
   reply; none means the connection is broken, which is what Celery's consumer reconnects from.
   Its BRPOP and pub/sub connections also get no retries, so errors reach kombu at once.
2. A worker that stops with "Unrecoverable error: AttributeError('NoneType' object has no attribute
   'hostname')". On a lost connection Celery's consumer first `collect()`s it, which closes the
   default channel (that close stops half-way: its BRPOP read fails on the dead socket) and then
   detaches the transport (`transport.client = None`); the second close finishes the channel and
   restores the unacknowledged messages through a pool built from `self.connection.client`, now
   None. A task that finishes after the consumer reconnected acks through its closed channel the
   same way. The channel remembers the connection parameters it was built with, so the late
   restore or ack reaches the broker (or fails with a connection error, which is handled).

Installed through `CELERY_BROKER_TRANSPORT` for redis:// and rediss:// broker URLs.
"""
from __future__ import annotations

from kombu.transport import redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry

DEFAULT_READ_WAIT = 10.0  # seconds, when the transport options set no socket_timeout


class Channel(redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict:
        known = self.__dict__.setdefault("_accord_connparams", {})
        transport = self.connection
        if (transport is None or transport.client is None) and asynchronous in known:
            # Closed or detached (a late restore, or the ack of a task that finished after the
            # consumer reconnected): the broker is where it was.
            return dict(known[asynchronous])
        params = super()._connparams(asynchronous=asynchronous)
        if asynchronous:  # the event loop's BRPOP and pub/sub connections: errors go to kombu (fix 1)
            params["retry"] = Retry(NoBackoff(), 0)
        known[asynchronous] = dict(params)
        return params

    def _receive_one(self, c):
        connection = c.connection
        if connection is not None and not connection.can_read(timeout=self.socket_timeout or DEFAULT_READ_WAIT):
            self._in_listen = None
            raise RedisConnectionError("the broker's pub/sub socket went silent mid-reply; reconnecting")
        return super()._receive_one(c)


class Transport(redis.Transport):
    Channel = Channel
