"""The broker transport's fix (issue 14): a channel whose transport Celery already detached, on a
lost connection, still gives its unacknowledged messages back instead of stopping the worker with
"Unrecoverable error: AttributeError('NoneType' object has no attribute 'hostname')"."""
import pytest
from kombu import Connection
from kombu.transport import redis as stock_redis

from reliability.redis_transport import Transport
from tests.faults.conftest import private_redis  # noqa: F401 - a redis-server of the test's own

QUEUE = "restore-after-detach"


def _close_like_a_worker_that_lost_its_broker(transport, url) -> None:
    """Celery's consumer, on a connection loss: collect() detaches the transport while the channel's
    close stopped half-way (its BRPOP read failed), then close() finishes the channel."""
    conn = Connection(url, transport=transport)
    queue = conn.SimpleQueue(QUEUE)
    queue.put({"shard": 1})
    held = queue.get(timeout=5)  # delivered, never acknowledged (acks_late: the task was running)
    assert held.payload == {"shard": 1}
    channel = conn.default_channel
    conn._do_close_transport()
    channel.close()


def _waiting(url) -> int:
    with Connection(url) as conn:
        return conn.default_channel.client.llen(QUEUE)


def test_the_unacknowledged_message_is_restored(private_redis):  # noqa: F811
    _close_like_a_worker_that_lost_its_broker(Transport, private_redis.url)
    assert _waiting(private_redis.url) == 1


def test_kombus_own_transport_stops_the_worker_there(private_redis):  # noqa: F811
    """The bug this transport exists for; if kombu fixes it, this fails and the subclass can go."""
    with pytest.raises(AttributeError, match="hostname"):
        _close_like_a_worker_that_lost_its_broker(stock_redis.Transport, private_redis.url)


def test_redis_brokers_use_it_and_the_embedded_broker_keeps_its_own():
    from config.celery import app

    if str(app.conf.broker_url).startswith("redis"):
        assert app.conf.broker_transport == "reliability.redis_transport:Transport"
        with app.connection_for_write() as conn:
            assert isinstance(conn.transport, Transport)
    else:  # the filesystem broker of the embedded default (the SQLite CI run)
        assert app.conf.broker_transport is None
