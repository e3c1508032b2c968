"""Backup, restore and the PostgreSQL dumps they carry (the engine; no TUI here).

``sources`` says what a MIP's state is made of, ``archive`` writes and verifies the archive and its
manifest, ``postgres`` dumps and replays each database through ``microk8s kubectl exec``,
``workloads`` stops and starts the MIP, ``restore`` puts an archive back (crash-safe, journalled),
``crypt`` adds optional age encryption, ``schedule`` keeps N archives and writes a systemd timer.
"""
