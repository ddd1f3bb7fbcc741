#!/bin/sh
docker run -e DB_PASSWORD=hunter2 postgres:16 # want RC036 "environment variable DB_PASSWORD holds a literal credential"
docker run --env "GITHUB_TOKEN=ghp_16C7e42F292c6912E7710c838347Ae178B4a" ci-agent:2.1 # want RC036 "GITHUB_TOKEN"
docker run -eAPI_KEY=abc123 myapp:1.4 # want RC036 "API_KEY"
docker run -e LICENSE_KEY=lgNvGyhnUKpa5PJi myapp:1.4 # want RC036 "LICENSE_KEY"
# ok RC036 -- the seed's good practice: a *_FILE variable pointing at a mounted secret
docker run -e POSTGRES_PASSWORD_FILE=/run/secrets/db_password postgres:16
# ok RC036 -- the value comes from the caller's environment
docker run -e DB_PASSWORD postgres:16
# ok RC036 -- a value from a shell variable
docker run -e "DB_PASSWORD=$DB_PASSWORD" postgres:16
# ok RC036 -- switches about credentials are not credentials
docker run -e MYSQL_ALLOW_EMPTY_PASSWORD=yes -e MYSQL_RANDOM_ROOT_PASSWORD=1 mysql:8.4
# ok RC036 -- a generic key with a setting-like value
docker run -e CACHE_KEY=node-modules-v2 myapp:1.4
# ok RC036 -- an empty value and a placeholder
docker run -e API_TOKEN= -e ADMIN_PASSWORD=changeme myapp:1.4
# ok RC036 -- not a credential name
docker run -e TOKENIZER_MODE=fast -e PASSENGER_APP_ENV=production myapp:1.4
