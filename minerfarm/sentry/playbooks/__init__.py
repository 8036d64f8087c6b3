"""Playbooks on the rig: watch the commander's revision, apply it with real Ansible
(ansible-runner, local connection) and supervise the miners the playbooks launch. Where
Ansible and the roles are: :mod:`minerfarm.ansible_support`.

Modules::

    runner        one playbook through ansible-runner, in a thread; its failed task, message
    layout        the sentry's directories: software, playbooks, logs
    applier       a new revision: stop and remove everything, install, launch, report
    supervisor    miners as supervised process groups, restarts with backoff, rotating logs
    logship       console lines batched to POST /logs
    watcher       GET /playbooks (If-None-Match, long-poll) and the 60 s poll
    agent         all of it for the run loop: a MinerSource, and the RigRemovalHook for 410
"""
