/**
 * Every Redis key crisis-cell uses, in one place. All keys start with the
 * configured KEY_PREFIX, so two instances with different prefixes never meet.
 * BullMQ queues use the same prefix (see queues/queue-names.ts).
 */
export function redisKeys(prefix: string) {
  const k = (...parts: (string | number)[]) => [prefix, ...parts].join(':');
  return {
    prefix,
    /** Audit stream and the hash of its newest entry. */
    audit: k('audit'),
    auditHead: k('audit', 'head'),
    /** The audit writer whose append was refused for a moved head: it appends next (see AuditLog). */
    auditWaiting: k('audit', 'waiting'),
    /** Secret used to pseudonymise citizens in the audit log. */
    auditPepper: k('audit', 'pepper'),
    /** API tokens: hash of sha256(token) → JSON {name, role, phone}. */
    tokens: k('tokens'),
    /** Simulator state. */
    simSeq: k('sim', 'seq'),
    simOutbox: k('sim', 'outbox'),
    simOutboxTo: (to: string) => k('sim', 'outbox', to),
    simIdem: k('sim', 'idem'),
    simGroups: k('sim', 'groups'),
    /** Simulated groups: group id → when created (ms). */
    simGroupsCreated: k('sim', 'groups', 'created'),
    simGroup: (id: string) => k('sim', 'group', id),
    /** Incidents. */
    incidentSeq: k('incident', 'seq'),
    incident: (id: string) => k('incident', id),
    incidentTimeline: (id: string) => k('incident', id, 'timeline'),
    /** Where a citizen's follow-up left its incident waiting for the digest (cards.ts followUpSlot), an hour. */
    followUpSlot: (messageId: string) => k('followup-slot', messageId),
    /** A change of a group's disappearing messages already on the audit trail (a week): a retried job writes it once. */
    disappearingAudited: (messageId: string) => k('disappearing-audited', messageId),
    /** The audit entries of an incident change not yet in the trail, by the change's request key (a week at most). */
    incidentAuditPending: (id: string, key: string) => k('incident', id, 'audit-pending', key),
    incidentsAll: k('incidents', 'all'),
    incidentsByStatus: (status: string) => k('incidents', 'status', status),
    incidentsBySeverity: (severity: string) => k('incidents', 'severity', severity),
    incidentsByStatusSeverity: (status: string, severity: string) => k('incidents', 'ss', status, severity),
    openIncidentOf: (phone: string) => k('citizen', phone, 'open'),
    incidentsOfReporter: (phone: string) => k('citizen', phone, 'incidents'),
    /** Source message id → incident it went into (intake idempotency). */
    intakeDone: (messageId: string) => k('intake', messageId),
    /** Sent message id → the `ref` of its outbound job (incident card, task item, ...). */
    sentRef: (messageId: string) => k('sent', messageId),
    /**
     * The platform ids of the messages sent to one person (phone or LID), kept as long as their
     * sentRef: a broadcast's ref names its recipient, and a DELETE finds them here once the outbound
     * jobs that sent them are gone (completed jobs are kept a day, these records 90 days).
     */
    sentTo: (to: string) => k('sent-to', to),
    /** Cards posted in the current window, and incidents waiting for the next digest. */
    digestCards: k('digest', 'cards'),
    /** Escalation deadlines: `INC-0042|level` scored by due time; one marker per second that has any. */
    escalationsDue: k('escalation', 'due'),
    escalationBucket: (bucket: number) => k('escalation', 'bucket', bucket),
    digestScheduled: (bucket: number) => k('digest', 'scheduled', bucket),
    digestPending: k('digest', 'pending'),
    /** The incidents one digest is posting: kept until the post is queued, so a failed attempt loses none. */
    digestPosting: (bucket: number) => k('digest', 'posting', bucket),
    /** Escalation notices posted in the current window, and those waiting for its escalation digest. */
    escalationPosts: k('escalation', 'posts'),
    escalationPending: (level: number) => k('escalation', 'pending', level),
    escalationDigestScheduled: (level: number, bucket: number) => k('escalation', 'digest', level, bucket),
    /**
     * When a citizen's DELETE was received (its receive order, `seq`), by their audit pseudonym (never
     * the number they asked to erase), kept a day: a message of theirs received before it and handled
     * after it (held back by a crash) is erased too, not taken in.
     */
    erasedAt: (pseudonym: string) => k('erased', pseudonym),
    /** The rumour a citizen was last warned of (its kind and language), kept briefly: "is this true?" gets the answer again. */
    rumourWarned: (phone: string) => k('conv', phone, 'rumour'),
    /** Citizen conversations (multi-step dialogues such as REGISTER). */
    conversation: (phone: string) => k('conv', phone),
    /** Which question each of a citizen's REGISTER answers answered (message id → step): an edited answer amends it. */
    registerAnswers: (phone: string) => k('conv', phone, 'answers'),
    /** Transport connection state, published by the gateway. */
    transportState: k('transport', 'state'),
    /** Written by /readyz to prove Redis still takes writes (a replica or a full Redis only answers PING). */
    readyProbe: k('readyz', 'probe'),
    /** What request an API caller's Idempotency-Key was first used for (hash of caller and key → request fingerprint). */
    idempotencyKey: (hash: string) => k('idem', hash),
    gatewayLease: k('gateway', 'lease'),
    /** WhatsApp (Baileys) session: creds JSON, and one hash per Signal key type (id → JSON). */
    waCreds: k('wa', 'creds'),
    waKeys: (type: string) => k('wa', 'keys', type),
    /** Every Signal key type hash that was ever written (to clear the session on logout). */
    waKeyTypes: k('wa', 'keytypes'),
    /** Messages the bot sent (protobuf, base64), served to Baileys' getMessage for retries and polls. */
    waMessage: (id: string) => k('wa', 'msg', id),
    /** Keys of recent inbound messages (JSON), so a reply can quote or react to them. */
    waMessageKey: (id: string) => k('wa', 'msgkey', id),
    /** The ids of the message keys kept of one sender's messages (their chat's jid is their number): erased with them. */
    waMessageKeysOf: (sender: string) => k('wa', 'msgkeys-of', sender),
    /** A citizen's media message as WhatsApp delivered it, kept to forward it to the cell. */
    waMedia: (id: string) => k('wa', 'media', id),
    /** The media messages kept of one sender (phone or LID): DELETE forgets them. */
    waMediaOf: (sender: string) => k('wa', 'media-of', sender),
    /** A message WhatsApp could not decrypt, waiting for its retry (JSON), and the ids by when to chase them. */
    waUndecryptable: (id: string) => k('wa', 'undecryptable', id),
    waUndecryptableDue: k('wa', 'undecryptable', 'due'),
    /** Set for a few hours once a call was accepted on one of the embassy's devices: a gateway restarted mid-call does not report it missed. */
    waCallAnswered: (id: string) => k('wa', 'call-answered', id),
    /**
     * Pub/sub channel (no payload): a DELETE erased LID pairs from the session's `lid-mapping` keys; the
     * gateway empties its in-memory copies of them.
     */
    waLidsForgotten: k('wa', 'lids-forgotten'),
    /** Set while a caller was recently answered for a missed call (phone or LID): redials are not answered again. */
    waMissedCallFrom: (sender: string) => k('wa', 'missed-call', sender),
    /** Cached group metadata (JSON) for Baileys' cachedGroupMetadata. */
    waGroup: (jid: string) => k('wa', 'group', jid),
    /** The QR code string waiting to be scanned, and the pairing code, while pairing. */
    waQr: k('wa', 'qr'),
    waPairingCode: k('wa', 'pairingcode'),
    /**
     * Set while WhatsApp stops the account from starting chats (error 463, reach-out time lock, new-chat
     * cap): JSON {reason, since, until?}. Groups and chats with people who wrote recently go on.
     */
    waRestricted: k('wa', 'restricted'),
    /** Contacts (SHA-256 prefixes, no phones) WhatsApp refused with 463 during the restriction in force. */
    waRefused: k('wa', 'restricted', 'refused'),
    /** A 1:1 message the bot sent → its idempotency key, to send it again if WhatsApp refuses it (463). */
    waSentKey: (id: string) => k('wa', 'sentkey', id),
    /** Outbound jobs held back by a sending restriction (job id → when held): released when it lifts. */
    outboundHeld: k('outbound', 'held'),
    /** The held outbound jobs of one recipient (phone, LID or group): sent as soon as they write to the number. */
    outboundHeldTo: (to: string) => k('outbound', 'held-to', to),
    /** Staff alerts about the WhatsApp connection (list of JSON, newest first), for the dashboard. */
    transportAlerts: k('transport', 'alerts'),
    /** Members of a cell group already reported as unknown (phone or LID → when, sorted set). */
    membershipReported: (groupId: string) => k('membership', 'reported', groupId),
    /** Who claimed each member of the reported set: the report's key while it is made, "key|done" once made, "gone|<ms>" once they left. */
    membershipReportedBy: (groupId: string) => k('membership', 'reported-by', groupId),
    /** WhatsApp LID → E.164 phone, learnt from the platform. */
    lidToPhone: k('lid', 'phone'),
    /**
     * Pub/sub channel of live changes for the dashboard: JSON messages {type, id}, the types listed
     * in src/domain/live-change.ts.
     */
    events: k('events'),
    /** Citizen registry: one hash per registered citizen, indexes of phones by region and language. */
    citizen: (phone: string) => k('citizen', phone, 'profile'),
    citizensAll: k('citizens', 'all'),
    citizensOptedOut: k('citizens', 'optout'),
    citizensByRegion: (region: string) => k('citizens', 'region', region),
    citizensByLanguage: (language: string) => k('citizens', 'lang', language),
    /** Consular alerts: sequence, record, recipients snapshot, per-recipient state, counters, indexes. */
    alertSeq: k('alert', 'seq'),
    alert: (id: string) => k('alert', id),
    alertRecipients: (id: string, language: string) => k('alert', id, 'to', language),
    alertState: (id: string) => k('alert', id, 'state'),
    alertCounts: (id: string) => k('alert', id, 'counts'),
    alertsAll: k('alerts', 'all'),
    alertsActive: k('alerts', 'active'),
    alertLatest: k('alerts', 'latest'),
    /** A playbook step's stable `source` key → the alert or welfare check it created. */
    alertsBySource: k('alerts', 'by-source'),
    welfareBySource: k('welfare', 'by-source'),
    /** Welfare checks ("are you safe?"): like alerts, plus answers and tallies per region. */
    welfareSeq: k('welfare', 'seq'),
    welfare: (id: string) => k('welfare', id),
    welfareRecipients: (id: string, language: string) => k('welfare', id, 'to', language),
    welfareAnswers: (id: string) => k('welfare', id, 'answers'),
    /** The citizens a welfare check asked in one region (where they were registered when it started). */
    welfareAskedIn: (id: string, region: string) => k('welfare', id, 'in', region),
    welfareTally: (id: string) => k('welfare', id, 'tally'),
    welfareState: (id: string) => k('welfare', id, 'state'),
    welfareCounts: (id: string) => k('welfare', id, 'counts'),
    /**
     * Citizens a welfare check asked who are still to be reminded (zset, score when their question went
     * out): added when it is sent, taken off once reminded, answered, failed or erased.
     */
    welfareToRemind: (id: string) => k('welfare', id, 'to-remind'),
    /** The incidents a welfare check's HELP answers went into (zset, score the incident's seq). */
    welfareIncidents: (id: string) => k('welfare', id, 'incidents'),
    welfareAll: k('welfare', 'all'),
    welfareOpen: k('welfare', 'open'),
    /** Closed welfare checks (score: when closed), where a late answer finds its check. */
    welfareClosed: k('welfare', 'closed'),
    /** A delivery receipt that arrived before its send was recorded (message id → state). */
    earlyReceipt: (messageId: string) => k('receipt', messageId),
    /**
     * Rumours: forwarded messages claiming to be official that are no genuine alert. One hash per
     * distinct wording (text, language, forwards, first, last, kind, alert), the wordings by when last forwarded,
     * and a marker per counted message (a retried job counts once). No phone is kept.
     */
    rumour: (id: string) => k('rumour', id),
    rumoursByLast: k('rumours', 'last'),
    rumourCounted: (messageId: string) => k('rumour', 'msg', messageId),
    /** The citizens who sent a rumour, by their audit pseudonym (never a phone), to count them once each. */
    rumourSenders: (id: string) => k('rumour', id, 'senders'),
    /** The incidents a rumour was added to (a citizen with a report open forwarded it), scored by incident number. */
    rumourIncidents: (id: string) => k('rumour', id, 'incidents'),
    /** Temporary set used while resolving an audience. */
    audienceTmp: (id: string, part: string) => k('audience', id, part),
    /** Breakout groups the bot created (huddles). */
    huddles: k('huddles'),
    /** Huddle creation idempotency key → the group id it created (a retried job creates no second group). */
    huddleByKey: k('huddles', 'by-key'),
    /** Breakout group id → the subject it was created with (what the membership guard calls it). */
    huddleNames: k('huddles', 'names'),
    /** The phones a breakout group was created with: its guests are no strangers to the membership guard. */
    huddleInvited: (groupId: string) => k('huddles', groupId, 'invited'),
    /**
     * Huddle creations under way: idempotency key → JSON {at, subject}, written before WhatsApp is
     * asked to create the group and removed once it is recorded. A retry that finds one looks for the
     * group its earlier try created before creating another.
     */
    huddleIntent: k('huddles', 'intent'),
    /** Playbook runs: the run hash, its steps (step id → JSON state), task items, effect results. */
    runSeq: k('run', 'seq'),
    run: (id: string) => k('run', id),
    runSteps: (id: string) => k('run', id, 'steps'),
    runTasks: (id: string) => k('run', id, 'tasks'),
    /** Runs that may still owe a checklist reminder (an item created and not yet settled). */
    runsWithOpenTasks: k('runs', 'open-tasks'),
    runEffects: (id: string) => k('run', id, 'effects'),
    /** Runs by start time (sorted set) and the ids of runs still in progress (set). */
    runsAll: k('runs', 'all'),
    runsActive: k('runs', 'active'),
    /** What started a run (e.g. a chat message id) → the run id, so a retried start creates one run. */
    runOrigin: (origin: string) => k('run', 'origin', origin),
    /** The run in progress of one playbook with the same parameters (real or drill) → its id: a second start is refused. */
    runSame: (hash: string) => k('run', 'same', hash),
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
