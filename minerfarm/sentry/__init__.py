"""The CPU/GPU sentry: runs on each rig, collects host, GPU and miner stats, applies playbooks."""
