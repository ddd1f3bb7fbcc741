#!/bin/sh
# want RC019 "joins Docker's default bridge network, where containers can reach each other"
docker run -d myapp:1.4
docker run -d --network bridge myapp:1.4 # want RC019 "default bridge network \(bridge\)"
# ok RC019 -- a user-defined network
docker run -d --network app-net myapp:1.4
# ok RC019 -- no network
docker run --network=none myapp:1.4
# ok RC019 -- the host network is RC013's concern
docker run --network host myapp:1.4
# ok RC019 -- hidden options may name a network
docker run -d $NET_OPTS myapp:1.4
# ok RC019 -- a network from a variable
docker run -d --network "$NET" myapp:1.4
