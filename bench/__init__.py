"""`make bench`: a load harness against a real server process over real sockets (see README, Performance)."""
