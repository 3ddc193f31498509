"""Deployment: nginx and systemd files, and `make cluster` (deploy/local_cluster.py). See docs/deploy.md."""
