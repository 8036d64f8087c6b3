"""In-process pub/sub: topic isolation, bounded subscriber queues, clean unsubscribe."""

from __future__ import annotations

import asyncio

from minerfarm.commander import topics
from minerfarm.commander.pubsub import OVERFLOW, InProcessPubSub


async def next_message(subscription: object) -> object:
    iterator = subscription.__aiter__()  # type: ignore[attr-defined]
    return await asyncio.wait_for(iterator.__anext__(), 1)


async def test_subscribers_get_only_their_topics() -> None:
    pubsub = InProcessPubSub()
    mine, other = topics.rig("cpu_gpu", 1), topics.rig("cpu_gpu", 2)
    async with pubsub.subscribe([mine]) as subscription:
        await pubsub.publish(other, "updated", {"id": 2})
        await pubsub.publish(mine, "updated", {"id": 1})
        message = await next_message(subscription)
        assert message.topic == mine and message.data == {"id": 1}  # type: ignore[attr-defined]
    assert pubsub.subscriber_count(mine) == 0


async def test_a_slow_subscriber_is_bounded_and_told() -> None:
    pubsub = InProcessPubSub()
    topic = topics.operational_stats("cpu_gpu")
    async with pubsub.subscribe([topic], maxsize=4) as subscription:
        for n in range(100):
            await pubsub.publish(topic, "updated", {"n": n})
        received = [await next_message(subscription) for _ in range(4)]
        assert OVERFLOW in received
        assert len(received) == 4


def test_topic_names_follow_the_design() -> None:
    assert topics.rig_index("cpu_gpu") == "cpu_gpu_mining_rig_index"
    assert topics.rig("asic", 3) == "asic_mining_rig:3"
    assert topics.operational_stats("asic") == "asic_mining_rig_operational_stats"
    assert topics.rig_operational_stats("cpu_gpu", 9) == "cpu_gpu_mining_rig_operational_stats:9"


async def test_drain_takes_what_is_queued_without_waiting() -> None:
    pubsub = InProcessPubSub()
    topic = topics.rig_index("cpu_gpu")
    async with pubsub.subscribe([topic]) as subscription:
        assert subscription.drain() == []
        for n in range(3):
            await pubsub.publish(topic, "updated", {"n": n})
        assert [m.data["n"] for m in subscription.drain()] == [0, 1, 2]
        assert subscription.drain() == []
