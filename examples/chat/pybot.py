"""The Python chat service: answers messages that mention "@py", through Python's `redis`
library (Debian's python3-redis), over plain RESP. It reconnects when the server restarts.

    REDIS_URL=redis://:PASSWORD@127.0.0.1:PORT python3 examples/chat/pybot.py
"""
import json
import os
import platform
import signal
import sys
import time

import redis

URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def serve() -> None:
    r = redis.Redis.from_url(URL, client_name="chat-pybot")
    p = r.pubsub(ignore_subscribe_messages=True)
    p.psubscribe("chat:*")
    print("python bot: listening on chat:*", flush=True)
    for item in p.listen():
        try:
            m = json.loads(item["data"])
        except (ValueError, TypeError):
            continue
        if m.get("service") or m.get("type") != "msg" or "@py" not in m.get("text", ""):
            continue
        words = len(m["text"].split())
        text = f"Python {platform.python_version()} counted {words} words, {m['user']}."
        r.publish(item["channel"], json.dumps({"type": "msg", "user": "py", "service": "python", "text": text}))


while True:
    try:
        serve()
    except redis.exceptions.ConnectionError:
        time.sleep(0.3)  # the server restarts: subscribe again
    except KeyboardInterrupt:
        break
