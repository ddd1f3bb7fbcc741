#!/bin/sh
docker run --restart on-failure myapp:1.4 # want RC032 "restarts on failure without a retry cap"
docker run --restart=on-failure:10 myapp:1.4 # want RC032 "up to 10 times \(more than 5\)"
# ok RC032 -- at most 5 retries
docker run --restart on-failure:5 myapp:1.4
# ok RC032 -- other policies are not about retries
docker run --restart unless-stopped myapp:1.4
# ok RC032 -- the policy from a variable
docker run --restart "$POLICY" myapp:1.4
