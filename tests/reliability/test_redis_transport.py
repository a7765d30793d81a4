"""The broker transport's fixes (issue 14): the event loop's read of a silent pub/sub socket gives
up after the socket timeout instead of blocking the worker for good; and a channel whose transport
Celery already detached still gives its unacknowledged messages back (and acks late tasks) instead of
stopping the worker with "Unrecoverable error: AttributeError('NoneType' object has no attribute
'hostname')"."""
import threading

import pytest
from redis.exceptions import RedisError
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


def test_a_task_finishing_after_the_reconnect_acks_through_its_closed_channel(private_redis):  # noqa: F811
    conn = Connection(private_redis.url, transport=Transport)
    queue = conn.SimpleQueue(QUEUE)
    queue.put({"shard": 2})
    held = queue.get(timeout=5)
    channel = conn.default_channel
    conn.close()  # the consumer's connection, lost: the close gave the message back to the queue
    channel._disconnect_pools()  # and the channel has no pool and no transport left
    held.ack()  # the task finished afterwards (acks_late): no AttributeError stops the worker
    assert _waiting(private_redis.url) == 1  # it runs again; every late-acked task is idempotent


def _read_a_silent_subscription(transport, url) -> threading.Thread:
    """What the worker's event loop does when the poller calls its remote-control subscription
    readable and no reply comes (the wedge seen after a broker restart: the main thread stuck
    in this read)."""
    conn = Connection(url, transport=transport, transport_options={"socket_timeout": 1})
    channel = conn.default_channel
    subscription = channel._create_client(asynchronous=True).pubsub()
    # As kombu's poller registers it (`_client_registered`): a connection taken straight from the pool.
    subscription.connection = subscription.connection_pool.get_connection()
    subscription.psubscribe("/0.celery.pidbox")
    assert subscription.parse_response()[0] in (b"psubscribe", "psubscribe")
    outcome = {}

    def read():
        try:
            outcome["reply"] = channel._receive_one(subscription)
        except RedisError as exc:
            outcome["error"] = exc

    reader = threading.Thread(target=read, daemon=True)
    reader.outcome = outcome  # type: ignore[attr-defined]
    reader.start()
    reader.join(timeout=5)
    return reader


def test_the_event_loop_gives_up_a_silent_read_after_the_socket_timeout(private_redis):  # noqa: F811
    reader = _read_a_silent_subscription(Transport, private_redis.url)
    assert not reader.is_alive() and "went silent" in str(reader.outcome["error"])


def test_kombus_own_transport_blocks_the_event_loop_there(private_redis):  # noqa: F811
    """redis-py 8 reads pub/sub replies with no timeout: the worker's main thread waits for good (this
    test's thread ends when the fixture stops Redis)."""
    reader = _read_a_silent_subscription(stock_redis.Transport, private_redis.url)
    assert reader.is_alive() and not reader.outcome


def test_redis_brokers_use_it_and_the_embedded_broker_keeps_its_own():
    from config.celery import app

    if str(app.conf.broker_url).startswith("redis"):
        assert app.conf.broker_transport == "reliability.redis_transport:Transport"
        with app.connection_for_write() as conn:
            assert isinstance(conn.transport, Transport)
    else:  # the filesystem broker of the embedded default (the SQLite CI run)
        assert app.conf.broker_transport is None
