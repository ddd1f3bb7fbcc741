#!/bin/sh
docker run -p 5432:5432 postgres:16 # want RC031 "publishes host port 5432 on every host interface"
docker run -p 0.0.0.0:8080:80 myapp:1.4 # want RC031 "port 8080 on every host interface"
docker run -p "[::]:8080:80" myapp:1.4 # want RC031 "8080"
docker run -p 80 myapp:1.4 # want RC031 "publishes container port 80 on a random port of every host interface"
# ok RC031 -- bound to the loopback interface
docker run -p 127.0.0.1:5432:5432 postgres:16
# ok RC031 -- IPv6 loopback
docker run -p "[::1]:8080:80" myapp:1.4
# ok RC031 -- the address from a variable
docker run -p "$BIND_IP:8080:80" myapp:1.4
# ok RC031 -- no port published
docker run myapp:1.4
docker run -p 51413:51413 -p 51413:51413/udp transmission:4.0 # want RC031 "host port 51413 on" RC031 "host port 51413/udp on"
docker run -P web:1.0 # want RC031 "publishes every exposed port"
# ok RC031 -- on the host network Docker ignores published ports (RC013 reports the host network)
docker run --network host -p 8080:8080 web:1.0
