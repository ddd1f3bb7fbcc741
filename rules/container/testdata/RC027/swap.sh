#!/bin/sh
# want RC027 "limits memory to 512m but not swap: it may use as much swap again"
docker run --memory 512m myapp:1.4
docker run --memory 512m --memory-swap -1 myapp:1.4 # want RC027 "allows unlimited swap beyond its 512m memory limit"
docker run -m 1g --memory-swap 3g myapp:1.4 # want RC027 "may use 2g of swap beyond its 1g memory limit"
# ok RC027 -- swap equal to memory: no swap
docker run -m 1g --memory-swap 1024m myapp:1.4
# ok RC027 -- swap from a variable
docker run -m 1g --memory-swap "$SWAP" myapp:1.4
# ok RC027 -- hidden options may set the swap limit
docker run -m 1g $MORE myapp:1.4
