"""What the gateway's RPC requests look like on the broker: they expire with the call's
timeout and are transient (nothing is written to disk for a call whose caller stops
waiting after RPC_TIMEOUT), and they still reach the service's queue."""
import threading
import time

from kombu import Connection, Exchange, Queue

from gateway.rpc import RpcPool, ServiceUnavailable

TIMEOUT = 2.0
TRANSIENT = 1


def test_a_request_is_transient_and_expires_with_the_timeout(rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    # Stands in for the leads service's queue: bound like nameko binds it, never consumed.
    requests = Queue("rpc-requests-seen", exchange=Exchange("nameko-rpc", type="topic"),
                     routing_key="leads.*", auto_delete=False)
    pool = RpcPool(uri, size=1, timeout=TIMEOUT)
    outcome = []

    def call():
        try:
            with pool.proxy() as rpc:
                outcome.append(rpc.leads.get_lead("some-id", {}))
        except ServiceUnavailable as error:
            outcome.append(error)

    with Connection(uri) as connection:
        channel = connection.default_channel
        requests(channel).declare()
        caller = threading.Thread(target=call)
        caller.start()
        message, deadline = None, time.monotonic() + TIMEOUT
        while message is None and time.monotonic() < deadline:
            message = requests(channel).get(no_ack=True)
        caller.join()
        pool.close()
        requests(channel).delete()
    assert message is not None, "the request never reached the queue"
    assert message.delivery_info["routing_key"] == "leads.get_lead"
    assert message.properties["delivery_mode"] == TRANSIENT
    assert message.properties["expiration"] == str(int(TIMEOUT * 1000))
    assert message.payload == {"args": ["some-id", {}], "kwargs": {}}
    assert isinstance(outcome[0], ServiceUnavailable)  # nobody answered: 503, no hang
