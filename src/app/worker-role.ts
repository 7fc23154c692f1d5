import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChatContext } from '../chat/chat-context.ts';
import { CommandRegistry } from '../chat/command-registry.ts';
import { helpCommand } from '../chat/commands/help.ts';
import { attachRoster, compose, ignoreOwnMessages, normaliseSender, standardChain } from '../chat/middleware.ts';
import { createRouter } from '../chat/router.ts';
import type { HttpDeps } from '../http/http-deps.ts';
import { createInboundWorker, type InboundWorkerOptions } from '../queues/workers/inbound-worker.ts';
import { createTimersWorker } from '../queues/workers/timers-worker.ts';
import type { Feature } from './feature.ts';
import { gaveUpOn } from './unhandled-message.ts';

/** The part of the chain that says who sent a message. */
const whoSent = [ignoreOwnMessages, normaliseSender, attachRoster];

type Handler = (ctx: ChatContext) => Promise<boolean>;

/** Asks each feature in turn; the first that takes the message ends the search. */
function firstTaker(features: Feature[], pick: (f: Feature) => Handler | undefined) {
  return async (ctx: ChatContext): Promise<boolean> => {
    for (const f of features) {
      const handler = pick(f);
      if (handler && (await handler.call(f, ctx))) return true;
    }
    return false;
  };
}

/** The chat pipeline: middleware, then staff commands or the features' handlers. */
export function chatPipeline(deps: HttpDeps, features: Feature[]) {
  const registry = new CommandRegistry();
  registry.register(helpCommand(registry));
  for (const f of features) if (f.commands) registry.register(...f.commands(deps));
  const direct = firstTaker(features, (f) => f.citizenMessage);
  const reaction = firstTaker(features, (f) => f.reaction);
  const groupMessage = firstTaker(features, (f) => f.groupMessage);
  const route = createRouter(registry, {
    citizen: async (ctx) => {
      if (await direct(ctx)) return;
      const text = ctx.sender.staff
        ? `Hello ${ctx.sender.staff.name}. Staff commands start with "/": send /help for the list.`
        : `Thank you. The ${deps.config.embassy.name} has received your message and a consular officer will answer.`;
      await ctx.reply(text);
    },
    reaction: async (ctx) => void (await reaction(ctx)),
    groupMessage: async (ctx) => void (await groupMessage(ctx)),
  });
  return compose(standardChain, route);
}

/** The worker role: inbound messages, membership changes, delivery receipts and timers. */
export function startWorkerRole(deps: HttpDeps, features: Feature[], connect: () => Redis, inbound: InboundWorkerOptions = {}): Worker[] {
  const timerHandlers = Object.assign({}, ...features.map((f) => f.timers?.(deps) ?? {}));
  const inboundWorker = createInboundWorker(
    deps,
    connect(),
    {
      message: chatPipeline(deps, features),
      membership: async (change) => {
        await deps.audit.append({
          type: 'group.membership',
          actor: 'system',
          subject: change.groupId,
          data: { action: change.action, count: change.participants.length },
        });
        for (const f of features) await f.membership?.(deps, change);
      },
      delivery: async (update) => {
        for (const f of features) await f.delivery?.(deps, update);
      },
      call: async (call) => {
        for (const f of features) await f.missedCall?.(deps, call);
      },
      // Who sent it is resolved as for any message (their phone, their roster entry), then staff or the cell are told.
      gaveUp: (ctx, error) => compose(whoSent, (c) => gaveUpOn(c, error))(ctx),
    },
    inbound,
  );
  return [createTimersWorker(deps, connect(), timerHandlers), inboundWorker];
}
