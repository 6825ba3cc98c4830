// The Node "chat service": an ordinary backend service that only speaks RESP (ioredis). It
// listens to every room (PSUBSCRIBE chat:*), welcomes whoever joins and answers "@bot" with
// the time; browsers get its messages through the gateway. ioredis reconnects and
// re-subscribes by itself when the server restarts.
//   REDIS_URL=redis://:PASSWORD@127.0.0.1:PORT node examples/chat/bot.mjs
import { Redis } from 'ioredis';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const sub = new Redis(url, { connectionName: 'chat-bot-sub' });
const pub = new Redis(url, { connectionName: 'chat-bot-pub' });

function say(channel, text) {
  return pub.publish(channel, JSON.stringify({ type: 'msg', user: 'bot', service: 'node', text }));
}

sub.on('pmessage', (_pattern, channel, payload) => {
  let m;
  try {
    m = JSON.parse(payload);
  } catch {
    return;
  }
  if (m.service) return; // never answer a service (ourselves included)
  if (m.type === 'join') void say(channel, `${m.again ? 'Welcome back' : 'Welcome'}, ${m.user}!`);
  else if (m.type === 'msg' && /@bot\b/.test(m.text))
    void say(channel, `Hi ${m.user}, it is ${new Date().toISOString().slice(11, 19)} UTC here.`);
});

sub.psubscribe('chat:*').then(() => console.log('chat bot: listening on chat:*'));
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    sub.disconnect();
    pub.disconnect();
    process.exit(0);
  });
