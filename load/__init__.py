"""`make load`: the demo city under a bounded load of simulated users on loopback (load/run.py)."""
