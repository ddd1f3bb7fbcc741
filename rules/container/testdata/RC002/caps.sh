#!/bin/sh
docker run --cap-add ALL myapp:1.4 # want RC002 "adds every capability \(ALL\)"
docker run --cap-add=all myapp:1.4 # want RC002 "every capability \(all\)"
docker run --cap-add CAP_ALL myapp:1.4 # want RC002 "every capability"
# ok RC002 -- dropping ALL is the good practice
docker run --cap-drop ALL --cap-add NET_BIND_SERVICE myapp:1.4
# ok RC002 -- a capability from a variable is not guessed
docker run --cap-add "$CAPS" myapp:1.4
# ok RC002 -- a named capability is RC003's concern
docker run --cap-add SYS_ADMIN myapp:1.4
