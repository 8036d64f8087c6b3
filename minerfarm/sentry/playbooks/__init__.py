"""Playbooks on the rig: watch the commander's revision, apply it with real Ansible
(ansible-runner, local connection) and supervise the miners the playbooks launch.

Modules::

    ansible_env   where ansible-playbook and the roles are (venv, zipapp), its environment
    runner        one playbook through ansible-runner, in a thread; its failed task, message
    layout        the sentry's directories: software, playbooks, logs
    applier       a new revision: stop and remove everything, install, launch, report
    supervisor    miners as supervised process groups, restarts with backoff, rotating logs
    logship       console lines batched to POST /logs
    watcher       GET /playbooks (If-None-Match, long-poll) and the 60 s poll
    source        MinerSource for the report loop; RigRemovalHook for 410
"""
