import { readFileSync } from 'node:fs';
import type { Request } from 'express';
import { Router } from 'express';
import { z } from 'zod';
import { AppError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { hasRole, toE164, topRole } from '../../domain/roster.ts';
import { inboundMessageOrigin } from '../../queues/queues.ts';
import type { SimulatorTransport } from '../../transport/simulator/simulator-transport.ts';
import { authenticate, MissingRoleError } from '../auth.ts';
import { queryInt, validate } from '../errors.ts';
import type { HttpDeps } from '../http-deps.ts';
import { documentRoute } from '../route-docs.ts';

const phone = z
  .string()
  .trim()
  .min(3)
  .max(32)
  .refine((p) => toE164(p) !== undefined, 'must be a phone number like +15550000001');
const groupId = z.string().regex(/^[\w-]+@g\.us$/, 'must be a group id ending in @g.us');
const messageId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w.:-]+$/, 'may hold letters, digits, _ . : -');

const messageBody = z
  .strictObject({
    from: phone,
    group: groupId.optional(),
    text: z.string().max(4096).optional(),
    location: z
      .strictObject({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180), name: z.string().max(200).optional() })
      .optional(),
    /** A photo, video, voice note, document or sticker; `text` is then its caption (or absent). */
    media: z.enum(['image', 'video', 'audio', 'document', 'sticker']).optional(),
    id: messageId.optional(),
    replyTo: z.string().max(128).optional(),
    /** The sender edits their earlier message `of`: `text` is its new wording. */
    edit: z.strictObject({ of: z.string().min(1).max(128) }).optional(),
    /** The sender deletes their earlier message `of` for everyone; nothing else may be given. */
    deletion: z.strictObject({ of: z.string().min(1).max(128) }).optional(),
    /** The message is marked as forwarded, as WhatsApp labels a message passed on from another chat. */
    forwarded: z.boolean().optional(),
  })
  .refine(
    (b) => b.deletion || b.edit || (b.text !== undefined && b.text.trim() !== '') || b.location || b.media,
    'a message needs text, a location or media',
  )
  .refine((b) => !b.deletion || (b.text === undefined && !b.location && !b.media && !b.edit && !b.replyTo && !b.forwarded), {
    message: 'a deletion carries only the id of the deleted message (deletion.of)',
    path: ['deletion'],
  })
  .refine((b) => !b.edit || (b.text !== undefined && b.text.trim() !== ''), { message: 'an edit needs the new text', path: ['edit'] });

const reactionBody = z.strictObject({
  from: phone,
  messageId: z.string().min(1).max(128),
  emoji: z.string().min(1).max(16),
  group: groupId.optional(),
  id: messageId.optional(),
});
const callBody = z.strictObject({
  from: phone,
  id: messageId.optional(),
  video: z.boolean().optional(),
});
const groupBody = z.strictObject({
  subject: z.string().trim().min(1).max(100),
  participants: z.array(phone).max(1024),
  id: groupId.optional(),
});
const membersBody = z.strictObject({
  action: z.enum(['add', 'remove']),
  participants: z.array(phone).min(1).max(1024),
  by: phone.optional(),
});
const outboxQuery = z.strictObject({
  to: z.string().max(64).optional(),
  after: queryInt(0, Number.MAX_SAFE_INTEGER).default(0),
  limit: queryInt(1, 1000).default(500),
});

documentRoute({
  method: 'get',
  path: '/sim',
  summary: 'The simulator web page',
  role: 'public',
  tags: ['simulator'],
  produces: 'text/html',
});
documentRoute({
  method: 'get',
  path: '/sim/roster',
  summary: 'Staff and cell groups, for the simulator page',
  role: 'viewer',
  tags: ['simulator'],
});
documentRoute({
  method: 'post',
  path: '/sim/calls',
  summary: 'A WhatsApp call from a phone to the embassy number that nobody answers',
  role: 'viewer',
  tags: ['simulator'],
  body: callBody,
  status: 202,
});
documentRoute({
  method: 'post',
  path: '/sim/messages',
  summary: 'An inbound WhatsApp message from a phone, in a DM or a group',
  role: 'viewer',
  tags: ['simulator'],
  body: messageBody,
  status: 202,
});
documentRoute({
  method: 'post',
  path: '/sim/reactions',
  summary: 'A reaction from a phone to a message',
  role: 'viewer',
  tags: ['simulator'],
  body: reactionBody,
  status: 202,
});
documentRoute({
  method: 'post',
  path: '/sim/groups',
  summary: 'Create a simulated WhatsApp group',
  role: 'viewer',
  tags: ['simulator'],
  body: groupBody,
  status: 201,
});
documentRoute({
  method: 'post',
  path: '/sim/groups/:id/participants',
  summary: 'Add or remove group members',
  role: 'viewer',
  tags: ['simulator'],
  body: membersBody,
});
documentRoute({
  method: 'get',
  path: '/sim/messages',
  summary:
    'What the bot sent, after a sequence number: {items: [{seq, id, to, text, kind, at}], last}; ask again with after=last for what follows (at most limit items a page)',
  role: 'viewer',
  tags: ['simulator'],
  query: outboxQuery,
});

const e164 = (p: string) => toE164(p) as string;
const page = readFileSync(new URL('../public/simulator.html', import.meta.url), 'utf8');

/**
 * Refuses to make a member of staff say something for a caller whose token has a lower role: on
 * WhatsApp nobody can write from Ana's phone but Ana, and in the simulator a viewer's token sent
 * "/approve" from the duty officer's phone. Citizens' phones (anyone not on the roster) are open
 * to every token: a trainee plays the citizens.
 */
function speakAs(deps: HttpDeps, req: Request, phone: string): string {
  const member = deps.roster.find(phone);
  const needs = member ? topRole(member.roles) : undefined;
  const role = req.principal?.role;
  if (member && needs && (!role || !hasRole([role], needs)))
    throw new MissingRoleError(
      needs,
      `a ${role ?? 'unknown'} token cannot write as ${member.name} (${needs.replace('_', ' ')} on the roster); use a token with that role`,
    );
  return phone;
}

/**
 * The phone a simulated person writes from: never the embassy's own number. On WhatsApp the bot's own
 * messages are never taken for a citizen's (see sentByOwnAccount); here one was answered with the menu,
 * or opened a report whose reporter was the embassy itself.
 */
function sender(deps: HttpDeps, req: Request, from: string): string {
  const phone = e164(from);
  if (phone === deps.config.embassy.number)
    throw new ValidationError("body.from: is the embassy's own number (the bot); write from a citizen's or a staff member's phone");
  return speakAs(deps, req, phone);
}

/**
 * Refuses a message id that another person, or another chat, already used. The inbound job id derives
 * from the message id alone (WhatsApp's ids are unique), so the queue would drop the second message as
 * a redelivery of the first after answering 202; the same message sent again is still one message.
 */
async function freshId(deps: HttpDeps, id: string | undefined, from: string, group: string | undefined): Promise<void> {
  if (!id) return;
  const earlier = await inboundMessageOrigin(deps.redis, deps.keys.prefix, id);
  if (!earlier) return;
  const chat = group ?? from;
  const earlierChat = earlier.chat.kind === 'group' ? earlier.chat.id : earlier.chat.phone;
  if (earlier.from.phone !== from || earlierChat !== chat)
    throw new AppError(
      'message_id_taken',
      `message id ${id} was already used by another sender or chat; give each message its own id`,
      409,
    );
}

/** The WhatsApp simulator's HTTP API and web page (TRANSPORT=simulator only). */
export function simulatorRoutes(deps: HttpDeps, sim: SimulatorTransport): Router {
  const r = Router();
  r.get('/sim', (_req, res) => {
    res.type('html').send(page);
  });
  r.get('/sim/roster', authenticate(deps.tokens, deps.roster), (_req, res) => {
    res.json({
      staff: deps.roster.all().map((s) => ({ name: s.name, phone: s.phone, roles: s.roles })),
      cellGroups: deps.config.cellGroups,
      embassy: deps.config.embassy.name,
    });
  });
  r.use('/sim', authenticate(deps.tokens, deps.roster));
  r.post('/sim/messages', async (req, res) => {
    const b = validate(messageBody, req.body);
    const from = sender(deps, req, b.from);
    await freshId(deps, b.id, from, b.group);
    const id = await sim.inject({ ...b, from });
    res.status(202).json({ id });
  });
  r.post('/sim/reactions', async (req, res) => {
    const b = validate(reactionBody, req.body);
    const from = sender(deps, req, b.from);
    await freshId(deps, b.id, from, b.group);
    const id = await sim.inject({
      from,
      ...(b.group ? { group: b.group } : {}),
      ...(b.id ? { id: b.id } : {}),
      reaction: { messageId: b.messageId, emoji: b.emoji },
    });
    res.status(202).json({ id });
  });
  r.post('/sim/calls', async (req, res) => {
    const b = validate(callBody, req.body);
    const id = await sim.call({
      from: sender(deps, req, b.from),
      ...(b.id ? { id: b.id } : {}),
      ...(b.video ? { video: true } : {}),
    });
    res.status(202).json({ id });
  });
  r.post('/sim/groups', async (req, res) => {
    const b = validate(groupBody, req.body);
    const id = await sim.createGroup(b.subject, b.participants.map(e164), b.id);
    res.status(201).json({ id });
  });
  r.post('/sim/groups/:id/participants', async (req, res) => {
    const id = validate(groupId, req.params.id, 'path.id');
    const b = validate(membersBody, req.body);
    const known = (await sim.groupExists(id)) || deps.config.cellGroups.some((g) => g.id === id);
    if (!known) throw new NotFoundError('group', id);
    await sim.changeMembers(id, b.action, b.participants.map(e164), b.by ? speakAs(deps, req, e164(b.by)) : undefined);
    res.status(200).json({ id, action: b.action, participants: b.participants.map(e164) });
  });
  r.get('/sim/messages', async (req, res) => {
    const q = validate(outboxQuery, req.query, 'query');
    // A group id, a phone, or a LID (a person WhatsApp shows without their number).
    const to = q.to ? (q.to.endsWith('@g.us') || /^\d+@lid$/.test(q.to) ? q.to : toE164(q.to)) : undefined;
    if (q.to && !to) throw new AppError('invalid_request', 'query.to: must be a phone number, a group id or a LID', 400);
    res.json(await sim.outbox(to, q.after, q.limit));
  });
  return r;
}
