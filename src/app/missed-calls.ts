import { getCitizen } from '../citizens/registry.ts';
import { citizenText } from '../domain/citizen-messages.ts';
import { PRIORITY } from '../queues/queues.ts';
import type { MissedCall } from '../transport/chat-transport.ts';
import type { CoreDeps } from './deps.ts';
import type { Feature } from './feature.ts';
import { emergencyLine, incidentStore, postToCellGroups, regionName } from './incidents/shared.ts';

/** A caller who redials in a panic is answered once in this time, and the cell told once. */
const QUIET_S = 10 * 60;

/**
 * A call to the embassy number that nobody took. In a crisis people call before they write: the
 * bot cannot speak, so the caller is asked in writing, in their language, for what is happening and
 * where (with the local emergency number), and the cell is told who called, so someone can call
 * back. Staff calling the number are left alone. Redials within ten minutes change nothing.
 */
export async function answerMissedCall(deps: CoreDeps, call: MissedCall): Promise<void> {
  const who = call.from.phone ?? call.from.lid;
  if (!who || deps.roster.find(call.from.phone)) return;
  // The call that set the marker (or a retry of its job: its sends are idempotent) goes on; another
  // call within the quiet time stops here. One round trip: SET NX GET gives the call already marked.
  const marked = await deps.redis.set(deps.keys.waMissedCallFrom(who), call.id, 'EX', QUIET_S, 'NX', 'GET');
  if (marked !== null && marked !== call.id) return;
  const [citizen, open] = await Promise.all([
    call.from.phone ? getCitizen(deps, call.from.phone) : undefined,
    incidentStore(deps).activeOf(who),
  ]);
  const language = citizen?.language ?? open?.language ?? deps.config.languages[0] ?? 'en';
  await deps.outbox.send(
    {
      to: { kind: 'dm', phone: who },
      text: citizenText('missedCall', language, {
        embassy: deps.config.embassy.name,
        emergency: emergencyLine(deps, language),
      }),
      kind: 'reply',
      idempotencyKey: `missed-call:${call.id}`,
    },
    PRIORITY.reply,
  );
  const kind = call.video ? 'video call' : 'call';
  const known = citizen ? ` (${citizen.name}, registered in ${regionName(deps, citizen.region)})` : ' (not registered)';
  const report = open ? ` Their open report: ${open.id} (${open.severity}).` : '';
  const back = call.from.phone ? ` Call back on ${call.from.phone} if you can.` : ' WhatsApp hides their number: answer in writing.';
  await postToCellGroups(
    deps,
    `📞 Missed WhatsApp ${kind} from ${who}${known}, ${new Date(call.at).toISOString().slice(11, 16)} UTC. They were asked to write what is happening and where.${report}${back}`,
    `missed-call:${call.id}`,
    'missed-call',
    ...(open ? [`incident:${open.id}`] : []),
  );
  await deps.audit.append({
    type: 'call.missed',
    actor: call.from.phone ? await deps.audit.pseudonym(call.from.phone) : 'system',
    subject: call.id,
    data: { video: call.video, registered: !!citizen, ...(open ? { incident: open.id } : {}) },
  });
}

/** Calls to the embassy number that nobody answered. */
export const missedCallsFeature: Feature = {
  name: 'missed-calls',
  missedCall: (deps, call) => answerMissedCall(deps, call),
};
