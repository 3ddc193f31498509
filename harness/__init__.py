"""Real processes on this machine (Daphne, Redis, a database of their own), for the live and browser
tests, the benchmark (bench/) and `make cluster` (deploy/)."""
