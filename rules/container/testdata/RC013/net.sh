#!/bin/sh
docker run --network host myapp:1.4 # want RC013 "shares the host's network namespace"
docker run --net=host myapp:1.4 # want RC013 "network namespace"
# ok RC013 -- a user-defined network
docker run --network app-net myapp:1.4
# ok RC013 -- no network at all
docker run --network none myapp:1.4
# ok RC013 -- another container's namespace, not the host's
docker run --network container:web myapp:1.4
# ok RC013 -- the mode from a variable
docker run --network "$NET" myapp:1.4
